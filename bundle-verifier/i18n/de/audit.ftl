report-serial = SERIENNUMMER
report-mode = MODUS
report-model = MODELL
report-status = STATUS
report-release = FREIGABE
report-time = ZEIT
report-detail = DETAILS
report-summary = Freigabe { $release }: { $instruments ->
    [one] { $instruments } Gerät
   *[other] { $instruments } Geräte
}, { $rows } Seriennummer × Modus: { $patched } gepatcht, { $not_patched } nicht gepatcht, { $failed } fehlgeschlagen, { $rolled_back } zurückgesetzt, { $invalid } mit ungültigem Beleg; { $unknown } unbekannte und { $unreadable } unlesbare von { $read ->
    [one] { $read } gelesenen Beleg
   *[other] { $read } gelesenen Belegen
}
report-one-mode-only = (!) nur in einem Modus gepatcht: { $serials }
report-unknown = unbekannter Beleg { $file }: { $detail }
report-unreadable = unlesbarer Beleg { $file }: { $detail }
status-patched = gepatcht
status-not-patched = nicht gepatcht
status-failed = fehlgeschlagen
status-rolled-back = zurückgesetzt
status-invalid-receipt = Beleg ungültig

form-title = Verifizierungsformular
form-intro = Ausgefüllt anhand der signierten Installationsbelege der Geräte für Freigabe { $release }. Prüfen Sie jede Antwort vor der Unterschrift.
form-company = Firmenname
form-product = Produkt-/Gerätename
form-quantity = Menge
form-serials = Seriennummer(n)
form-mark-all = Markieren Sie alle zutreffenden Felder.
form-standalone = Eigenständige Instanzen der geräteunabhängigen Software für den RUO-Modus auf den Dx-Geräten
form-your-details = Ihre Angaben
form-name-print = Name in Druckbuchstaben:
form-job-title = Stellenbezeichnung der Person, die das Formular ausfüllt, in Druckbuchstaben:
form-customer = Kundenantworten
form-s-received = Ich bestätige den Erhalt der Mitteilung sowie die Kenntnisnahme des Inhalts.
form-s-software = Ich bestätige, dass die Software auf den oben gekennzeichneten Geräten installiert ist.
form-s-users = Sämtliche relevanten Anwender haben die Informationen erhalten.
form-s-patched = Ich bestätige, dass der Software-Patch auf allen oben genannten Geräten installiert wurde.
form-yes = Ja
form-no = Nein
form-distributor = Antworten des Händlers/Importeurs
form-not-applicable = Nicht zutreffend
form-d-identified = Ich habe die Kunden ermittelt, die das Produkt möglicherweise erhalten haben.
form-d-informed = Ich habe die ermittelten Kunden über diesen Rückruf informiert. Datum (TT-MON-JJJJ):
form-acknowledgement = Mir ist bekannt, dass der Software-Patch für beide Modi (Dx und RUO) auf allen betroffenen Geräten, die in diesem Verifizierungsformular angegeben sind, sowie auf allen eigenständigen Instanzen der Software für den RUO-Modus separat installiert werden muss.
form-signature = Unterschrift der Person, die das Formular ausfüllt
form-date = Datum
form-evidence = Nachweis
form-not-from-receipts = Nicht angekreuzt: Belege können das nicht zeigen; die unterzeichnende Person beantwortet es.
form-distributor-why = Nicht angekreuzt: für Händler und Importeure; Belege können das nicht zeigen.
form-software-yes = Angekreuzt: gültige signierte Belege von allen { $n } registrierten Geräten und Instanzen.
form-software-why = Nicht angekreuzt: kein gültiger Beleg von { $serials }.
form-patched-yes = Angekreuzt: gültige Belege zeigen Freigabe { $release } in allen { $rows } erwarteten Kombinationen aus Seriennummer und Modus installiert.
form-patched-why = Nicht angekreuzt: nicht als gepatcht belegt: { $open }.
form-ack-evidence = Die Belege zeigen { $both } von { $dual } Dual-Boot-Geräten in beiden Modi und { $sa } von { $sa_all } eigenständigen Instanzen gepatcht.
form-annex = Anhang: Status je Seriennummer und Modus
form-mode = Modus
form-status-col = Status
form-when = Installiert (Belegzeit)
form-notice = Dringende Sicherheitsmitteilung { $id } vom { $date }
form-return-to = Senden Sie dieses Formular unterschrieben an: { $to }
form-unverified = UNGEPRÜFT: Die Signaturen des Pakets wurden nicht geprüft (weder --trust-root noch --trusted-key angegeben); die Angaben zur Mitteilung oben sind nicht als die des Herstellers bestätigt.
form-more-in-annex = und { $n } weitere (siehe Anhang)
form-none = (keine)
form-generated = Erstellt (UTC)
form-receipts-read = Gelesene Belege
form-registry-sha256 = SHA-256 des Geräteverzeichnisses
form-manifest-sha256 = SHA-256 des Freigabe-Manifests
form-bundle = Freigabepaket
form-bundle-verified = Signaturen geprüft
form-bundle-unverified = Signaturen NICHT geprüft (ungeprüft)
form-page = Seite
form-page-of = von

note-no-receipt = kein Beleg zeigt Freigabe { $release } installiert
note-installed = installiert, Beleg gültig
note-superseded = abgelöst durch die spätere Freigabe { $release }
note-installed-over = { $release } wurde darüber installiert
note-another-installed-over = eine andere Freigabe wurde darüber installiert
note-rolled-back = zurückgenommen
note-rolled-back-to = eine spätere Freigabe wurde hierauf zurückgenommen
note-failed = { $result }: { $why }
note-invalid = { $count ->
    [one] { $count } ungültiger Beleg
   *[other] { $count } ungültige Belege
}, z. B. { $file }: { $why }; die gültigen Belege allein ergeben { $status } ({ $inner })
