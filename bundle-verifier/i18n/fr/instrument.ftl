# Le technicien devant l'appareil: installation, annulation, contrôle, scan, clé de l'appareil, reçus.

dry-run = SIMULATION: le paquet est authentique et convient à cet appareil; rien n'a été changé.
installed = INSTALLÉ: { $release } sur { $model } (numéro de série { $serial }), mode { $mode }.
installed-before = précédemment installé: { $release }
counts = { $add ->
    [one] { $add } fichier ajouté
   *[other] { $add } fichiers ajoutés
}, { $replace ->
    [one] { $replace } remplacé
   *[other] { $replace } remplacés
}, { $same } déjà à jour
verb-add = ajouter
verb-replace = remplacer
needs-confirmation = à confirmer avant l'installation (--confirm { $id }): { $text }
confirmed = confirmé [{ $id }] { $how }
backup-kept = les fichiers remplacés sont conservés dans { $dir }
backup-copy = une copie supplémentaire des fichiers remplacés se trouve dans { $dir }
receipt = reçu: { $path }
refusal-receipt = ce refus est consigné dans le reçu { $path }
device-key-created = la clé de l'appareil { $id } vient d'être créée; enregistrez-la avec `bundle-verifier device pubkey`
other-modes = RAPPEL: cet appareil démarre aussi en mode { $modes }. Démarrez-le dans ce mode et appliquez-y aussi ce paquet.
recovered-install-completed = REMARQUE: une installation interrompue de { $release } dans { $root } a d'abord été menée à terme.
recovered-install-undone = REMARQUE: une installation interrompue de { $release } dans { $root } a d'abord été défaite; le répertoire est revenu à son état antérieur.
recovered-rollback-completed = REMARQUE: une annulation interrompue de { $release } dans { $root } a d'abord été menée à terme.
recovered-rollback-undone = REMARQUE: une annulation interrompue de { $release } dans { $root } a d'abord été défaite; le répertoire est revenu à son état antérieur.

rolled-back = ANNULÉ: { $release } en mode { $mode }; { $files ->
    [one] { $files } fichier rétabli dans son état antérieur.
   *[other] { $files } fichiers rétablis dans leur état antérieur.
}
rollback-dry-run = SIMULATION: l'annulation retirerait { $release } en mode { $mode } ({ $files ->
    [one] { $files } fichier
   *[other] { $files } fichiers
}); rien n'a été changé.
installed-now = actuellement installé: { $release }
installed-now-nothing = actuellement installé: rien qui provienne d'un paquet

check-ok = OK: { $files ->
    [one] { $files } fichier installé, conforme à son manifeste signé; aucun fichier inattendu.
   *[other] { $files } fichiers installés, tous conformes à leurs manifestes signés; aucun fichier inattendu.
}
check-differs = DIFFÉRENT: le répertoire de l'appareil ne correspond pas à ce qui a été installé.
check-installed-release = { $release } en mode { $mode }, installé le { $when }
check-modified = modifié
check-missing = manquant
check-unexpected = inattendu
check-advice = En cas de soupçon de falsification, contactez le fabricant; `apply --reinstall` remet en place les fichiers signés (les fichiers que la version n'a pas installés restent, et sont toujours signalés).

scan-none = Aucun paquet trouvé dans { $dir }.
scan-applies = APPLICABLE
scan-not-for-this = PAS ICI
scan-refused = REFUSÉ
scan-volumes = ({ $count } volumes)
scan-unverified-payload = Les signatures et le manifeste ont été vérifiés; le contenu sera entièrement vérifié lors de l'installation du paquet.

device-created = Clé de l'appareil { $id } créée. Envoyez cette clé publique au registre du fabricant:
device-exists = cet appareil possède déjà sa clé { $id }; elle n'est jamais remplacée. Affichez-la avec `bundle-verifier device pubkey`
exported = { $count ->
    [one] { $count } reçu et la clé publique de l'appareil ont été copiés dans { $dir }.
   *[other] { $count } reçus et la clé publique de l'appareil ont été copiés dans { $dir }.
}
known-not-adopted = non adopté : { $path } (non installé par cette version ; check-installed continue de le signaler)
known-not-adopted-more = non adoptés : { $count } fichiers de plus
known-moved = déplacé dans la sauvegarde : { $path } (dans un répertoire qui appartient à la version)
known-moved-more = déplacés dans la sauvegarde : { $count } fichiers de plus
known-set-aside = mis de côté dans la sauvegarde : { $path } (absent de l'arborescence d'avant la version)
known-set-aside-more = mis de côté dans la sauvegarde : { $count } fichiers de plus

# The apply summary (the file list only with --list).
nothing-to-do = RIEN À FAIRE: { $release } est déjà installée en mode { $mode }, et ses { $files } fichiers sont intacts.
summary-target = cible: { $model }, mode { $mode }; { $files } fichiers, { $mib } Mio
summary-list-hint = la liste des fichiers: ajoutez --list
next-dry-run = ensuite: relancez la même commande sans --dry-run pour installer.
next-installed = ensuite: `bundle-verifier check-installed` vérifie les fichiers à tout moment; `bundle-verifier rollback` annule cette installation.
