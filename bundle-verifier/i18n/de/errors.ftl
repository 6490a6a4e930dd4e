# Fehler, ihre Hinweise und die Gründe darin.

list-none = (keine)
judged-by-root = Vertrauensanker Version { $version }
judged-by-keys = den angegebenen vertrauenswürdigen Schlüsseln
clock-system = die Systemuhr
clock-root-issued = das Ausstellungsdatum der Trust-Root-Version { $version }; die Systemuhr zeigt { $system }

why-revoked = widerrufen in Trust-Root-Version { $version }
why-root-key = ein Root-Schlüssel der Trust-Root-Version { $version }, kein Freigabeschlüssel
why-not-release-key = kein Freigabeschlüssel der Trust-Root-Version { $version }
why-not-trusted = dieser Schlüssel ist auf diesem Gerät nicht vertrauenswürdig
why-expired = Schlüssel am { $expires } abgelaufen (beurteilt am { $judged_on }, { $clock })
why-out-of-scope = Schlüssel darf nur für { $scope } signieren, das Paket gilt aber auch für { $outside }

error-config = Konfigurationsfehler: { $detail }
error-input-too-large = { $kind } { $path }: größer als { $limit } Bytes, die zulässige Höchstgröße; nicht gelesen.
error-not-a-regular-file = { $kind } { $path }: keine reguläre Datei (sondern ein Gerät, eine Pipe oder ein Verzeichnis); gelesen wird nur eine reguläre Datei von höchstens { $limit } Bytes.
error-open-bundle = Paket { $path } kann nicht geöffnet werden: { $detail }
error-not-a-bundle = Dies ist kein Update-Paket (es beginnt nicht mit dem Eintrag "format").
error-unsupported-container = Paketformat ist { $found }; dieses Prüfprogramm liest "offline-patch-bundle/1".
error-truncated = Das Paket ist unvollständig: es endet bei Byte { $offset }, innerhalb von { $what }.
error-read-bundle = Das Paket konnte nicht gelesen werden: { $detail }
error-bad-header = Der Kopf von { $member } bei Byte { $offset } ist nicht der vorgeschriebene; das Paket wurde verändert.
error-too-large = { $what }: { $found } überschreitet die Grenze von { $limit }.
error-trailing-data = Unerwartete Daten nach dem Ende des Pakets, bei Byte { $offset }.
error-manifest = Das Manifest ist ungültig: { $detail }
error-bad-signature-file = signatures.json ist fehlerhaft: { $detail }
error-bad-signature = Die Signatur des vertrauenswürdigen Schlüssels { $key_id } passt nicht zum Manifest; das Paket wurde verändert.
error-not-trusted = Nicht von genügend vertrauenswürdigen Schlüsseln signiert: { $counted } von { $threshold } nötig (unter { $judged_by }). Gezählt: { $counted_ids }; nicht gezählt: { $ignored }.
error-trust-root-document = Vertrauensanker (Trust Root) in { $source_name }: { $detail }
error-trust-root-invalid = { $source_name } ist nicht annehmbar: { $detail }
error-trust-root-below-threshold = Trust-Root-Version { $version } ist nur von { $counted } der { $whose } signiert (mindestens { $threshold } nötig); ihr wird nicht vertraut.
error-trust-root-bad-signature = Die Signatur des Root-Schlüssels { $key_id } auf Trust-Root-Version { $version } ist ungültig; die Trust Root wurde verändert.
error-trust-root-rollback = Trust-Root-Version { $found } ist älter als Version { $have }, der dieses Gerät schon vertraut; eine Trust Root geht nie zurück.
error-trust-root-conflict = Es gibt zwei verschiedene Trust Roots mit Version { $version }; die angebotene ist nicht die hier vertraute.
error-trust-root-gap = Trust-Root-Version { $found } kann nicht gegen Version { $have } geprüft werden: jede Version dazwischen wird gebraucht.
error-payload-digest = Der Inhalt ist beschädigt: erwartet { $expected_size } Bytes mit SHA-256 { $expected }, gefunden { $found_size } Bytes mit SHA-256 { $found }.
error-payload-malformed = Der Inhalt ist fehlerhaft: { $detail }
error-volume-missing = Teil { $n } von { $count } fehlt: Kopieren Sie { $file } von dort, woher { $first } stammt (dem Ordner der Freigabe), nach { $dir }, neben { $first }.
error-volume-size = Teil { $n } von { $count } ({ $path }) hat { $found } Bytes, das signierte Manifest nennt { $expected }: er wurde unvollständig kopiert oder ist eine andere Datei.
error-volume-digest = Teil { $n } von { $count } ({ $path }) ist nicht der von dieser Freigabe signierte (verändert oder aus einer anderen Freigabe): SHA-256 { $found }, signiert { $expected }.
error-volume-swapped = Teil { $n } von { $count } ({ $path }) enthält Teil { $other } dieser Freigabe: die Dateien der Teile wurden umbenannt oder vertauscht.
error-volume-unreadable = Teil { $n } von { $count } ({ $path }) kann nicht gelesen werden: { $detail }
error-volume-layout = Die signierte Liste der { $count } Teile passt nicht zum Paket; das Paket wurde fehlerhaft erstellt.
error-sbom-digest = Die Stückliste (SBOM) ist beschädigt: das Manifest signiert { $expected_size } Bytes mit SHA-256 { $expected }, sbom.json hat { $found_size } Bytes mit SHA-256 { $found }.
error-sbom = Die Stückliste (SBOM) ist ungültig: { $detail }
error-wrong-model = Dieses Paket ist für { $expected }; dieses Gerät ist ein { $found }.
error-wrong-mode = Dieses Paket hat für { $model } keinen Modus { $found }; es ist für Modus { $expected }.
error-wrong-udi-di = Dieses Paket ist für { $model } mit Gerätekennung (UDI-DI) { $expected }; dieses Gerät hat { $found }.
error-wrong-version = Dieses Paket braucht die installierte Softwareversion { $required }; dieses Gerät hat { $found }.
error-downgrade = { $installed } (Sequenz { $installed_sequence }) wurde im Modus { $mode } bereits installiert; dieses Paket ist älter (Sequenz { $offered_sequence }) und würde es herabstufen.
error-replay = { $installed } (Sequenz { $sequence }) wurde im Modus { $mode } bereits installiert; mit --reinstall wird dieselbe Version erneut installiert.
error-not-confirmed = Dieses Paket darf erst installiert werden, wenn diese Schritte bestätigt sind: { $steps }
error-nothing-to-roll-back = In { $root } gibt es keine Installation, die zurückgenommen werden könnte.
error-nothing-installed = Mit diesem Zustandsverzeichnis wurde nichts in { $root } installiert.
error-changed-since-install = { $count ->
    [one] Eine Datei von { $release } wurde seit der Installation verändert ({ $files }); eine Rücknahme würde diese Änderung verlieren, daher wurde nichts verändert.
   *[other] Dateien von { $release } wurden seit der Installation verändert ({ $files }); eine Rücknahme würde diese Änderungen verlieren, daher wurde nichts verändert.
}
error-state-dir-writable = Das Zustandsverzeichnis { $path } ist für andere Benutzer beschreibbar; machen Sie es nur für seinen Besitzer beschreibbar (chmod go-w) und starten Sie den Befehl erneut; es wurde nichts verändert.
error-state-dir-owner = Das Zustandsverzeichnis { $path } gehört einem anderen Benutzer; es muss dem Benutzer gehören, der den Prüfer ausführt (oder root); es wurde nichts verändert.
error-state-link = { $path } im Zustandsverzeichnis ist ein symbolischer Link oder kein Verzeichnis; Links werden dort nie verfolgt, daher wurde nichts verändert; ersetzen Sie es durch ein gewöhnliches Verzeichnis.
error-state-inside-root = Das Zustandsverzeichnis { $state } liegt im Verzeichnis des Geräts { $root }; ein Paket könnte dann Vertrauensbasis und Journal ersetzen, daher wurde nichts verändert; legen Sie das Zustandsverzeichnis außerhalb an.
error-root-inside-state = Das Verzeichnis des Geräts { $root } liegt im Zustandsverzeichnis { $state }; es wurde nichts verändert; halten Sie beide getrennt.
error-io = E/A-Fehler ({ $what }) bei { $path }: { $detail }
error-disk-full = Der Datenträger ist voll ({ $what } { $path }: { $detail }); es wurde nichts verändert.
error-install-failed = Die Installation ist fehlgeschlagen: { $reason }; das Verzeichnis des Geräts wurde in den vorherigen Zustand zurückversetzt.
error-no-space = Zu wenig freier Speicherplatz in { $dir }: die neuen Dateien brauchen { $needed } MiB, frei sind { $available } MiB; es wurde nichts verändert.
error-files-in-use = { $count ->
    [one] Eine Datei, die ersetzt oder entfernt würde, ist in einem anderen Programm geöffnet, daher wurde nichts verändert: { $files }
   *[other] { $count } Dateien, die ersetzt oder entfernt würden, sind in anderen Programmen geöffnet, daher wurde nichts verändert: { $files }
}
in-use-file = { $path } (geöffnet in { $holders })
in-use-holder = { $name } (PID { $pid })
in-use-service = { $name }, Dienst { $service } (PID { $pid })
in-use-unknown = einem Programm, das Windows nicht nennt
in-use-more = und { $more } weitere
error-restore-failed = Die Installation ist fehlgeschlagen: { $reason }; die Wiederherstellung ist EBENFALLS fehlgeschlagen: { $restore }. Die Sicherung liegt in { $backup }.

hint-not-confirmed = Es wurde nichts verändert. Führen Sie jeden Schritt aus und starten Sie apply erneut mit Bestätigung (an der Eingabeaufforderung oder mit --confirm ID).
hint-use-newest = Es wurde nichts verändert. Verwenden Sie das neueste Paket für dieses Gerät.
hint-usage = Prüfen Sie die Befehlszeile und die darin genannten Dateien.
hint-refused = Installieren Sie diese Datei nicht. Besorgen Sie eine neue Kopie des Pakets vom Hersteller und prüfen Sie sie erneut.
hint-not-applicable = Es wurde nichts verändert. Verwenden Sie das Paket für dieses Gerät oder prüfen Sie die Identitätsdatei.
hint-install-failed = Es wurde nichts verändert. Beheben Sie die Ursache (Speicherplatz, Berechtigungen) und starten Sie apply erneut.
hint-files-in-use = Schließen Sie das genannte Programm oder beenden Sie den Dienst, der die Dateien geöffnet hält (unter Dienste oder mit sc stop NAME), und starten Sie den Befehl dann erneut.
hint-volume-copy = Es wurde nichts geändert. Kopieren Sie alle Teile der Freigabe (NAME.bundle, NAME.bundle.002, …) vollständig in einen Ordner und führen Sie den Befehl erneut aus.
hint-other = Wenden Sie sich mit dieser Meldung an den technischen Support des Herstellers.
hint-not-as-it-should-be = Die Prüfung hat Abweichungen gefunden: siehe die Liste oben; stellen Sie das Gerät wieder her (apply --reinstall oder rollback) oder melden Sie es.

io-cannot-copy-to = Kopieren nicht möglich nach
io-cannot-create = Anlegen nicht möglich
io-cannot-create-a-directory-in = Anlegen eines Verzeichnisses nicht möglich in
io-cannot-create-a-file-in = Anlegen einer Datei nicht möglich in
io-cannot-create-backup-directory = Sicherungsverzeichnis kann nicht angelegt werden
io-cannot-create-directory = Verzeichnis kann nicht angelegt werden
io-cannot-create-staged-file = Zwischendatei kann nicht angelegt werden
io-cannot-create-staging-directory = Zwischenverzeichnis kann nicht angelegt werden
io-cannot-create-staging-directory-in = Zwischenverzeichnis kann nicht angelegt werden in
io-cannot-create-state-directory = Zustandsverzeichnis kann nicht angelegt werden
io-cannot-inspect = Prüfen nicht möglich
io-cannot-move-file-into-place = Datei kann nicht an ihren Platz verschoben werden
io-cannot-open = Öffnen nicht möglich
io-cannot-open-state-directory = Zustandsverzeichnis kann nicht geöffnet werden
io-cannot-read = Lesen nicht möglich
io-cannot-read-free-space-of = Freier Speicherplatz nicht lesbar für
io-cannot-remove = Entfernen nicht möglich
io-cannot-remove-directory = Verzeichnis kann nicht entfernt werden
io-cannot-restore-the-old-file = Die alte Datei kann nicht wiederhergestellt werden
io-cannot-move-into-the-backup = Kann nicht in die Sicherung verschoben werden
io-cannot-sync = Schreiben auf den Datenträger nicht möglich
io-cannot-sync-staged-files-on-the-file-system-of = Zwischendateien können nicht auf den Datenträger geschrieben werden, Dateisystem von
io-cannot-write = Schreiben nicht möglich
io-cannot-write-in = Schreiben nicht möglich in
io-cannot-reserve-space-in = Der Platz zum Abschließen der Installation lässt sich nicht freihalten in
io-cannot-write-staged-file = Zwischendatei kann nicht geschrieben werden
io-injected-fault-before = eingespeister Fehler vor
io-the-backup-is-missing-for = Die Sicherung fehlt für
io-cannot-write-to = Schreiben nicht möglich nach

input-key-file = Schlüsseldatei
input-identity = Geräteidentität
input-registry = Geräteregister
input-receipt = Beleg
input-trust-root = Vertrauensanker
input-state-record = Zustandsdatei
input-manifest = installiertes Manifest
input-signatures = installierte Signaturen
input-sbom = Stückliste (SBOM)
input-spec = Freigabebeschreibung
hint-changed-since-install = Stellen Sie zuerst die signierten Dateien des Releases mit `apply --reinstall` und dem Bundle des Releases wieder her, dann starten Sie rollback erneut.
hint-nothing-to-roll-back = Jede Installation in dieses Verzeichnis mit diesem Statusverzeichnis ist bereits zurückgenommen: es ist wieder wie vor der ersten. Prüfen Sie --root und --state.
error-not-intact = { $installed } ist im Modus { $mode } installiert, aber das Wurzelverzeichnis stimmt nicht mehr damit überein: { $modified } verändert, { $missing } fehlend, { $unexpected } unerwartete Dateien.
hint-not-intact = Es wurde nichts verändert. `bundle-verifier check-installed` nennt die Dateien; `apply --reinstall` installiert dieselbe Version erneut.
