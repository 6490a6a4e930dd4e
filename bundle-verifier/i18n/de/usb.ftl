# `usb`: der eine Schritt des Technikers.

usb-no-stick = Kein USB-Stick gefunden. Stecken Sie ihn ein oder nennen Sie seinen Ordner: bundle-verifier usb ORDNER
usb-no-bundles = Kein Paket auf { $dir } gefunden. Ist das der richtige Stick oder Ordner?
usb-none-applies = Kein Paket auf dem Stick passt zu diesem Gerät ({ $model }, Seriennummer { $serial }, Modus { $mode }). Es wurde nichts geändert.
usb-older = { $file }: { $release } ist älter als { $newest }
usb-same = { $file }: noch einmal { $release } (eine weitere Kopie des neuesten)
usb-skipped = { $file }: { $reason }
usb-newest = Zu installieren: { $release }  ({ $file })
usb-instrument = Auf: { $model }, Seriennummer { $serial }, Modus { $mode }
usb-counts = Dateien: { $added } neu, { $replaced } ersetzt, { $removed } entfernt ({ $unchanged } unverändert)
usb-confirm = Braucht Ihre Bestätigung [{ $id }]: { $text }
usb-confirmed = Mit --confirm bestätigt [{ $id }]: { $text }
usb-ask = Diese Version jetzt installieren? Zum Installieren ja eingeben:{" "}
usb-no-terminal = Niemand kann an einem Terminal gefragt werden: erneut mit --yes ausführen (und --confirm ID für jeden Schritt, den die Version verlangt).
usb-cancelled = Nicht installiert; es wurde nichts geändert.
usb-file-installed = Installiert; die signierten Quittungen liegen in diesem Ordner.
usb-receipts-written = Quittungen und eine Zusammenfassung liegen auf dem Stick in { $dir }.
usb-receipts-not-written = Die Quittungen konnten nicht auf den Stick geschrieben werden ({ $reason }). Sie liegen auf diesem Gerät in { $dir }; exportieren Sie sie später mit: { $command }
usb-next-other-mode = Als Nächstes: das Gerät im Modus { $modes } neu starten und dies noch einmal ausführen.
usb-next-done = Als Nächstes: an diesem Gerät ist nichts mehr zu tun; bringen Sie den Stick mit den Quittungen zur Qualitätssicherung.
