# verify, inspect, extract, trust show: what a bundle or a trust root says.

verified = OK: { $bundle } is authentic and intact.
unverified = UNVERIFIED: signatures were not checked; use `verify` with a trusted key
label-release = release
label-notes = notes
label-manifest = manifest
label-payload = payload
label-target = target
label-sbom = sbom
release-line = { $release }: { $title }
claims-signatures = claims signatures by { $ids }
carries-roots = carries trust root versions { $versions }
payload-line = sha256 { $sha256 } ({ $size ->
    [one] { $size } byte
   *[other] { $size } bytes
}){ $deep ->
    [yes] , every file checked
   *[no] ; files are checked when applied, or now with --deep
}
target-line = { $model } / { $mode }: { $files ->
    [one] { $files } file
   *[other] { $files } files
}, { $bytes ->
    [one] { $bytes } byte
   *[other] { $bytes } bytes
}
target-claim = { $model } / { $mode } (UDI-DI { $udi_di }; catalog { $catalog }; requires { $requires }): { $files ->
    [one] { $files } file
   *[other] { $files } files
}
any-version = any version
sbom-line = { $kind }, { $components ->
    [one] { $components } component
   *[other] { $components } components
}, sha256 { $sha256 }
sbom-no-version = (no version)
sbom-more = … and { $more } more (all with --json, or extract --sbom FILE)
signed-by = signed by { $ids } ({ $counted ->
    [one] { $counted } signature counted
   *[other] { $counted } signatures counted
}, { $threshold } needed under { $judged_by })
not-counted = not counted: signature by { $key_id }: { $why }
trust-root-accepted = trust root version { $version } carried by the bundle was accepted
expiry-judged = expiry judged on { $day } ({ $clock })
extracted = OK: extracted { $files ->
    [one] { $files } file
   *[other] { $files } files
} of { $model } / { $mode } into { $out }
sbom-extracted = Signed SBOM ({ $kind }, { $components ->
    [one] { $components } component
   *[other] { $components } components
}) written to { $out }.

trust-show-head = trust root version { $version } issued { $issued } ({ $path })
trust-show-valid = VALID: signed by at least { $threshold } of its root keys
trust-show-invalid = NOT VALID: { $problem }
trust-show-root-keys = root keys (any { $threshold } of { $count }):
trust-show-release-keys = release keys (any { $threshold } of { $count }):
trust-show-key = { $key_id }  expires { $expires }  models { $models }
trust-show-never = never
trust-show-all = all
trust-show-revoked = revoked: { $ids }
trust-show-signed-by = signed by: { $ids }
