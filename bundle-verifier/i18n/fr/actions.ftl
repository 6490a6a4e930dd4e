# Actions d'installation : services et étapes du fabricant autour du remplacement.
action-stop-service = arrêter le service { $name }
action-start-service = démarrer le service { $name }
action-run = exécuter { $command }
action-check = vérifier { $command }
action-why-exit = il s'est terminé avec le code { $code }
action-why-killed = il a été tué par un signal
action-why-timeout = il a duré plus de { $seconds } s et a été arrêté
action-why-io = il n'a pas pu être exécuté ({ $detail })
error-action-failed = l'étape « { $kind } { $target } » (phase { $phase }) a échoué : { $how } ; sa dernière sortie : { $output }
actions-heading = Étapes autour de l'installation, dans l'ordre :
action-result-ok = fait
action-result-reboot-required = fait, l'appareil doit être redémarré
action-result-not-running = ne tournait pas
action-result-already-running = tournait déjà
action-result-failed = échec
action-result-timed-out = délai dépassé
actions-reboot-required = Redémarrez l'appareil pour terminer l'installation : une étape indique qu'un redémarrage est nécessaire.
