dry-run = PROBELAUF: Das Paket ist echt und passt zu diesem Gerät; es wurde nichts verändert.
installed = INSTALLIERT: { $release } auf { $model } (Seriennummer { $serial }), Modus { $mode }.
installed-before = vorher installiert: { $release }
counts = { $add ->
    [one] { $add } Datei hinzugefügt
   *[other] { $add } Dateien hinzugefügt
}, { $replace } ersetzt, { $same } bereits aktuell
verb-add = neu
verb-replace = ersetzen
needs-confirmation = vor der Installation zu bestätigen (--confirm { $id }): { $text }
confirmed = bestätigt [{ $id }] { $how }
backup-kept = ersetzte Dateien sind gesichert in { $dir }
backup-copy = eine zusätzliche Kopie der ersetzten Dateien liegt in { $dir }
receipt = Beleg: { $path }
refusal-receipt = diese Ablehnung ist im Beleg { $path } festgehalten
device-key-created = der Geräteschlüssel { $id } dieses Geräts wurde jetzt erzeugt; registrieren Sie ihn mit `bundle-verifier device pubkey`
other-modes = ERINNERUNG: Dieses Gerät startet auch im Modus { $modes }. Starten Sie es in diesem Modus und installieren Sie das Paket dort ebenfalls.
recovered-install-completed = HINWEIS: Eine unterbrochene Installation von { $release } in { $root } wurde zuerst abgeschlossen.
recovered-install-undone = HINWEIS: Eine unterbrochene Installation von { $release } in { $root } wurde zuerst rückgängig gemacht; das Verzeichnis ist wie vorher.
recovered-rollback-completed = HINWEIS: Eine unterbrochene Rücknahme von { $release } in { $root } wurde zuerst abgeschlossen.
recovered-rollback-undone = HINWEIS: Eine unterbrochene Rücknahme von { $release } in { $root } wurde zuerst rückgängig gemacht; das Verzeichnis ist wie vorher.

rolled-back = ZURÜCKGENOMMEN: { $release } im Modus { $mode }; { $files ->
    [one] { $files } Datei wie vorher wiederhergestellt.
   *[other] { $files } Dateien wie vorher wiederhergestellt.
}
rollback-dry-run = PROBELAUF: Die Rücknahme würde { $release } im Modus { $mode } zurücknehmen ({ $files ->
    [one] { $files } Datei
   *[other] { $files } Dateien
}); es wurde nichts verändert.
installed-now = jetzt installiert: { $release }
installed-now-nothing = jetzt installiert: nichts aus einem Paket

check-ok = OK: { $files ->
    [one] Die { $files } installierte Datei stimmt mit ihrem signierten Manifest überein; keine unerwarteten Dateien.
   *[other] Alle { $files } installierten Dateien stimmen mit ihren signierten Manifesten überein; keine unerwarteten Dateien.
}
check-differs = ABWEICHUNG: Das Verzeichnis des Geräts stimmt nicht mit dem Installierten überein.
check-installed-release = { $release } im Modus { $mode }, installiert { $when }
check-modified = verändert
check-missing = fehlt
check-unexpected = unerwartet
check-advice = Bei Verdacht auf Manipulation wenden Sie sich an den Hersteller; `apply --reinstall` stellt die signierten Dateien wieder her (Dateien, die das Release nicht installiert hat, bleiben und werden weiter gemeldet).

scan-none = Keine Pakete in { $dir } gefunden.
scan-applies = PASST
scan-not-for-this = NICHT HIER
scan-refused = ABGELEHNT
scan-volumes = ({ $count } Teile)
scan-unverified-payload = Signaturen und Manifest wurden geprüft; der Inhalt wird bei der Installation vollständig geprüft.

device-created = Geräteschlüssel { $id } erzeugt. Senden Sie diesen öffentlichen Schlüssel an das Register des Herstellers:
device-exists = Dieses Gerät hat bereits den Geräteschlüssel { $id }; er wird nie ersetzt. Anzeigen mit `bundle-verifier device pubkey`
exported = { $count ->
    [one] { $count } Beleg und der öffentliche Geräteschlüssel wurden nach { $dir } kopiert.
   *[other] { $count } Belege und der öffentliche Geräteschlüssel wurden nach { $dir } kopiert.
}
known-not-adopted = nicht übernommen: { $path } (nicht von diesem Release installiert; check-installed meldet sie weiterhin)
known-not-adopted-more = nicht übernommen: { $count } weitere Dateien
known-moved = in die Sicherung verschoben: { $path } (in einem Verzeichnis, das dem Release gehört)
known-moved-more = in die Sicherung verschoben: { $count } weitere Dateien
known-set-aside = in die Sicherung beiseitegelegt: { $path } (nicht im Verzeichnisbaum vor dem Release)
known-set-aside-more = in die Sicherung beiseitegelegt: { $count } weitere Dateien

# The apply summary (the file list only with --list).
nothing-to-do = NICHTS ZU TUN: { $release } ist im Modus { $mode } bereits installiert, und seine { $files } Dateien sind unverändert.
summary-target = Ziel: { $model }, Modus { $mode }; { $files } Dateien, { $mib } MiB
summary-list-hint = die Liste der Dateien: mit --list
next-dry-run = weiter: denselben Befehl ohne --dry-run ausführen, um zu installieren.
next-installed = weiter: `bundle-verifier check-installed` prüft die Dateien jederzeit; `bundle-verifier rollback` nimmt diese Installation zurück.
