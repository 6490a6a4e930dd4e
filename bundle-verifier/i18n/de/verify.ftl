verified = OK: { $bundle } ist echt und unversehrt.
unverified = UNGEPRÜFT: Signaturen wurden nicht geprüft; verwenden Sie `verify` mit einem vertrauenswürdigen Schlüssel
label-release = Freigabe
label-notes = Hinweise
label-manifest = Manifest
label-payload = Inhalt
label-target = Ziel
label-sbom = SBOM
release-line = { $release }: { $title }
claims-signatures = gibt Signaturen an von { $ids }
carries-roots = bringt Vertrauensanker-Versionen { $versions } mit
payload-line = SHA-256 { $sha256 } ({ $size ->
    [one] { $size } Byte
   *[other] { $size } Bytes
}){ $deep ->
    [yes] , jede Datei geprüft
   *[no] ; Dateien werden bei der Installation geprüft, oder jetzt mit --deep
}
target-line = { $model } / { $mode }: { $files ->
    [one] { $files } Datei
   *[other] { $files } Dateien
}, { $bytes ->
    [one] { $bytes } Byte
   *[other] { $bytes } Bytes
}
target-claim = { $model } / { $mode } (UDI-DI { $udi_di }; Katalog { $catalog }; benötigt { $requires }): { $files ->
    [one] { $files } Datei
   *[other] { $files } Dateien
}
any-version = jede Version
sbom-line = { $kind }, { $components ->
    [one] { $components } Komponente
   *[other] { $components } Komponenten
}, SHA-256 { $sha256 }
sbom-no-version = (ohne Versionsangabe)
sbom-more = … und { $more } weitere (alle mit --json oder extract --sbom DATEI)
signed-by = signiert von { $ids } ({ $counted ->
    [one] { $counted } Signatur gezählt
   *[other] { $counted } Signaturen gezählt
}, { $threshold } nötig unter { $judged_by })
not-counted = nicht gezählt: Signatur von { $key_id }: { $why }
trust-root-accepted = der vom Paket mitgebrachte Vertrauensanker Version { $version } wurde angenommen
expiry-judged = Ablauf beurteilt am { $day } ({ $clock })
extracted = OK: { $files ->
    [one] { $files } Datei
   *[other] { $files } Dateien
} von { $model } / { $mode } nach { $out } entpackt
sbom-extracted = Signierte Stückliste (SBOM; { $kind }, { $components ->
    [one] { $components } Komponente
   *[other] { $components } Komponenten
}) nach { $out } geschrieben.

trust-show-head = Vertrauensanker Version { $version }, ausgestellt am { $issued } ({ $path })
trust-show-valid = GÜLTIG: signiert von mindestens { $threshold } seiner Root-Schlüssel
trust-show-invalid = UNGÜLTIG: { $problem }
trust-show-root-keys = Root-Schlüssel (beliebige { $threshold } von { $count }):
trust-show-release-keys = Freigabeschlüssel (beliebige { $threshold } von { $count }):
trust-show-key = { $key_id }  läuft ab { $expires }  Modelle { $models }
trust-show-never = nie
trust-show-all = alle
trust-show-revoked = widerrufen: { $ids }
trust-show-signed-by = signiert von: { $ids }
