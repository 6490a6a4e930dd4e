# verify, inspect, extract, trust show: ce que dit un paquet ou une racine de confiance.

verified = OK: { $bundle } est authentique et intact.
unverified = NON VÉRIFIÉ: les signatures n'ont pas été vérifiées; utilisez `verify` avec une clé de confiance
label-release = version
label-notes = remarques
label-manifest = manifeste
label-payload = contenu
label-target = cible
label-sbom = SBOM
release-line = { $release }: { $title }
claims-signatures = annonce des signatures de { $ids }
carries-roots = contient les versions { $versions } de la racine de confiance
payload-line = sha256 { $sha256 } ({ $size ->
    [one] { $size } octet
   *[other] { $size } octets
}){ $deep ->
    [yes] , chaque fichier vérifié
   *[no] ; les fichiers sont vérifiés à l'installation, ou dès maintenant avec --deep
}
target-line = { $model } / { $mode }: { $files ->
    [one] { $files } fichier
   *[other] { $files } fichiers
}, { $bytes ->
    [one] { $bytes } octet
   *[other] { $bytes } octets
}
target-claim = { $model } / { $mode } (UDI-DI { $udi_di }; catalogue { $catalog }; exige { $requires }): { $files ->
    [one] { $files } fichier
   *[other] { $files } fichiers
}
any-version = n'importe quelle version
sbom-line = { $kind }, { $components ->
    [one] { $components } composant
   *[other] { $components } composants
}, sha256 { $sha256 }
sbom-no-version = (sans version)
sbom-more = … et { $more ->
    [one] { $more } autre
   *[other] { $more } autres
} (tous avec --json, ou extract --sbom FICHIER)
signed-by = signé par { $ids } ({ $counted ->
    [one] { $counted } signature comptée
   *[other] { $counted } signatures comptées
}, { $threshold ->
    [one] { $threshold } nécessaire
   *[other] { $threshold } nécessaires
} selon { $judged_by })
not-counted = non comptée: signature de { $key_id }: { $why }
trust-root-accepted = la version { $version } de la racine de confiance fournie par le paquet a été acceptée
expiry-judged = expiration évaluée à la date du { $day } ({ $clock })
extracted = OK: { $files ->
    [one] { $files } fichier extrait
   *[other] { $files } fichiers extraits
} de { $model } / { $mode } vers { $out }
sbom-extracted = SBOM signé ({ $kind }, { $components ->
    [one] { $components } composant
   *[other] { $components } composants
}) écrit dans { $out }.

trust-show-head = racine de confiance, version { $version }, émise le { $issued } ({ $path })
trust-show-valid = VALIDE: signée par au moins { $threshold } de ses clés racines
trust-show-invalid = NON VALIDE: { $problem }
trust-show-root-keys = clés racines ({ $threshold } sur { $count }, au choix):
trust-show-release-keys = clés de publication ({ $threshold } sur { $count }, au choix):
trust-show-key = { $key_id }  expiration: { $expires }  modèles: { $models }
trust-show-never = jamais
trust-show-all = tous
trust-show-revoked = révoquées: { $ids }
trust-show-signed-by = signée par: { $ids }
