# Installationsschritte: Dienste und die Schritte des Herstellers rund um den Austausch.
action-stop-service = Dienst { $name } anhalten
action-start-service = Dienst { $name } starten
action-run = { $command } ausführen
action-check = { $command } prüfen
action-why-exit = er endete mit Code { $code }
action-why-killed = er wurde durch ein Signal beendet
action-why-timeout = er lief länger als { $seconds } s und wurde beendet
action-why-io = er konnte nicht ausgeführt werden ({ $detail })
error-action-failed = der Schritt „{ $kind } { $target }“ (Phase { $phase }) ist fehlgeschlagen: { $how }; seine letzte Ausgabe: { $output }
actions-heading = Schritte rund um die Installation, in dieser Reihenfolge:
action-result-ok = erledigt
action-result-reboot-required = erledigt, das Gerät muss neu gestartet werden
action-result-not-running = lief nicht
action-result-already-running = lief bereits
action-result-failed = fehlgeschlagen
action-result-timed-out = Zeit überschritten
actions-reboot-required = Starten Sie das Gerät neu, um die Installation abzuschließen: ein Schritt meldet, dass ein Neustart nötig ist.
