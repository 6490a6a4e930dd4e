# apply, rollback, check-installed, scan, device, receipts: the technician at the instrument.

dry-run = DRY RUN: the bundle is authentic and fits this instrument; nothing was changed.
installed = INSTALLED: { $release } on { $model } (serial { $serial }), mode { $mode }.
installed-before = installed before: { $release }
counts = { $add ->
    [one] { $add } file added
   *[other] { $add } files added
}, { $replace } replaced, { $same } already up to date
verb-add = add
verb-replace = replace
needs-confirmation = must be confirmed before install (--confirm { $id }): { $text }
confirmed = confirmed [{ $id }] { $how }
backup-kept = replaced files are kept in { $dir }
backup-copy = an extra copy of the replaced files is in { $dir }
receipt = receipt: { $path }
refusal-receipt = this refusal is recorded in the receipt { $path }
device-key-created = this instrument's device key { $id } was created now; register it with `bundle-verifier device pubkey`
other-modes = REMINDER: this instrument also boots in mode { $modes }. Start it in that mode and apply this bundle there too.
recovered-install-completed = NOTE: an interrupted install of { $release } into { $root } was completed first.
recovered-install-undone = NOTE: an interrupted install of { $release } into { $root } was undone first; the root is as it was before.
recovered-rollback-completed = NOTE: an interrupted rollback of { $release } into { $root } was completed first.
recovered-rollback-undone = NOTE: an interrupted rollback of { $release } into { $root } was undone first; the root is as it was before.

rolled-back = ROLLED BACK: { $release } in mode { $mode }; { $files ->
    [one] { $files } file restored to what it was before.
   *[other] { $files } files restored to what they were before.
}
rollback-dry-run = DRY RUN: rollback would undo { $release } in mode { $mode } ({ $files ->
    [one] { $files } file
   *[other] { $files } files
}); nothing was changed.
installed-now = installed now: { $release }
installed-now-nothing = installed now: nothing from a bundle

check-ok = OK: { $files ->
    [one] the { $files } installed file matches its signed manifest; no unexpected files.
   *[other] all { $files } installed files match their signed manifests; no unexpected files.
}
check-differs = DIFFERENT: the instrument root does not match what was installed.
check-installed-release = { $release } in mode { $mode }, installed { $when }
check-modified = modified
check-missing = missing
check-unexpected = unexpected
check-advice = If you suspect tampering, contact the vendor; `apply --reinstall` puts the signed files back (files the release did not install stay, and are reported again).

scan-none = No bundles found in { $dir }.
scan-applies = APPLIES
scan-not-for-this = NOT HERE
scan-refused = REFUSED
scan-volumes = ({ $count } volumes)
scan-unverified-payload = Signatures and the manifest were checked; the payload is checked in full when the bundle is applied.

device-created = Device key { $id } created. Send this public key to the vendor's registry:
device-exists = this instrument already has device key { $id }; it is never replaced. Show it with `bundle-verifier device pubkey`
exported = { $count ->
    [one] Copied { $count } receipt and the device public key to { $dir }.
   *[other] Copied { $count } receipts and the device public key to { $dir }.
}
known-not-adopted = not adopted: { $path } (not installed by this release; check-installed goes on reporting it)
known-not-adopted-more = not adopted: { $count } more files
known-moved = moved into the backup: { $path } (in a directory the release owns)
known-moved-more = moved into the backup: { $count } more files
known-set-aside = set aside into the backup: { $path } (not in the tree before the release)
known-set-aside-more = set aside into the backup: { $count } more files

# The apply summary (the file list only with --list).
nothing-to-do = NOTHING TO DO: { $release } is already installed in mode { $mode }, and its { $files } files are intact.
summary-target = target: { $model }, mode { $mode }; { $files } files, { $mib } MiB
summary-list-hint = the list of files: add --list
next-dry-run = next: run the same command without --dry-run to install.
next-installed = next: `bundle-verifier check-installed` checks the files at any time; `bundle-verifier rollback` undoes this install.
