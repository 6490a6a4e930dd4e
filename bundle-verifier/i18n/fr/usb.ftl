# `usb` : l'étape unique du technicien.

usb-no-stick = Aucune clé USB trouvée. Branchez-la, ou indiquez son dossier : bundle-verifier usb DOSSIER
usb-no-bundles = Aucun paquet trouvé sur { $dir }. Est-ce la bonne clé ou le bon dossier ?
usb-none-applies = Aucun paquet de la clé ne s'applique à cet instrument ({ $model }, numéro de série { $serial }, mode { $mode }). Rien n'a été modifié.
usb-older = { $file } : { $release } est plus ancien que { $newest }
usb-same = { $file } : encore { $release } (une autre copie du plus récent)
usb-skipped = { $file } : { $reason }
usb-newest = À installer : { $release }  ({ $file })
usb-instrument = Sur : { $model }, numéro de série { $serial }, mode { $mode }
usb-counts = Fichiers : { $added } ajoutés, { $replaced } remplacés, { $removed } supprimés ({ $unchanged } inchangés)
usb-confirm = Demande votre confirmation [{ $id }] : { $text }
usb-confirmed = Confirmé avec --confirm [{ $id }] : { $text }
usb-ask = Installer cette version maintenant ? Tapez oui pour installer :{" "}
usb-no-terminal = Personne ne peut être interrogé sur un terminal : relancez avec --yes (et --confirm ID pour chaque étape que la version exige).
usb-cancelled = Non installé ; rien n'a été modifié.
usb-file-installed = Installé ; les reçus signés sont dans ce dossier.
usb-receipts-written = Les reçus et un résumé sont sur la clé dans { $dir }.
usb-receipts-not-written = Les reçus n'ont pas pu être écrits sur la clé ({ $reason }). Ils sont dans { $dir } sur cet instrument ; exportez-les plus tard avec : { $command }
usb-next-other-mode = Ensuite : redémarrez l'instrument en mode { $modes } et relancez cette commande.
usb-next-done = Ensuite : plus rien à faire sur cet instrument ; apportez la clé avec les reçus à l'assurance qualité.
