# Errors, their hints, and the reasons inside them.
# Variables are named; numbers choose plural forms.

list-none = (none)
judged-by-root = trust root version { $version }
judged-by-keys = the trusted keys given
clock-system = the system clock
clock-root-issued = the issue date of trust root version { $version }; the system clock says { $system }

why-revoked = revoked in trust root version { $version }
why-root-key = a root key of trust root version { $version }, not a release key
why-not-release-key = not a release key of trust root version { $version }
why-not-trusted = key is not trusted on this instrument
why-expired = key expired on { $expires } (judged on { $judged_on }, { $clock })
why-out-of-scope = key may sign only for { $scope } but the bundle also targets { $outside }

error-config = { $detail }
error-input-too-large = { $kind } { $path } is larger than { $limit } bytes, the most accepted; it was not read
error-not-a-regular-file = { $kind } { $path } is not a regular file (it is a device, a pipe or a directory); only a regular file of at most { $limit } bytes is read
error-open-bundle = cannot open bundle { $path }: { $detail }
error-not-a-bundle = this is not a patch bundle (it does not start with the "format" member)
error-unsupported-container = bundle container is { $found }; this verifier reads "offline-patch-bundle/1"
error-truncated = bundle is truncated: it ends at byte { $offset }, inside the { $what }
error-read-bundle = reading the bundle failed: { $detail }
error-bad-header = the { $member } header at byte { $offset } is not the canonical one; the bundle was altered
error-too-large = { $what }: { $found } exceeds the limit of { $limit }
error-trailing-data = unexpected data after the end of the bundle, at byte { $offset }
error-manifest = { $detail }
error-bad-signature-file = signatures.json is malformed: { $detail }
error-bad-signature = the signature by trusted key { $key_id } does not match the manifest; the bundle was altered
error-not-trusted = not signed by enough trusted keys: { $counted } of { $threshold } release keys needed under { $judged_by }. Counted: { $counted_ids }; not counted: { $ignored }
error-trust-root-document = trust root in { $source_name }: { $detail }
error-trust-root-invalid = { $source_name } is not acceptable: { $detail }
error-trust-root-below-threshold = trust root version { $version } is signed by only { $counted } of { $whose } (at least { $threshold } must sign); it is not trusted
error-trust-root-bad-signature = the signature by root key { $key_id } on trust root version { $version } does not verify; the trust root was altered
error-trust-root-rollback = trust root version { $found } is older than version { $have }, which this instrument already trusts; a trust root never goes back
error-trust-root-conflict = there are two different trust roots with version { $version }; the one offered is not the one trusted here
error-trust-root-gap = trust root version { $found } cannot be checked against version { $have }: every version in between is needed (each is signed by its predecessor's root keys)
error-payload-digest = payload is damaged: expected { $expected_size } bytes with SHA-256 { $expected }, found { $found_size } bytes with SHA-256 { $found }
error-payload-malformed = payload is malformed: { $detail }
error-volume-missing = volume { $n } of { $count } is missing: copy { $file } from where { $first } came from (the release's folder) into { $dir }, beside { $first }
error-volume-size = volume { $n } of { $count } ({ $path }) is { $found } bytes, but the signed manifest says { $expected }: it was cut short or is another file
error-volume-digest = volume { $n } of { $count } ({ $path }) is not the one this release signed (altered, or from another release): SHA-256 { $found }, signed { $expected }
error-volume-swapped = volume { $n } of { $count } ({ $path }) holds volume { $other } of this release: the volume files were renamed or swapped
error-volume-unreadable = cannot read volume { $n } of { $count } ({ $path }): { $detail }
error-volume-layout = the signed list of { $count } volumes does not fit the bundle; the bundle was built wrongly
error-sbom-digest = the SBOM is damaged: the manifest signs { $expected_size } bytes with SHA-256 { $expected }, sbom.json has { $found_size } bytes with SHA-256 { $found }
error-sbom = { $detail }
error-wrong-model = this bundle is for { $expected }; this instrument is a { $found }
error-wrong-mode = this bundle has no { $found } mode for { $model }; it is for mode { $expected }
error-wrong-udi-di = this bundle is for { $model } with device identifier (UDI-DI) { $expected }; this instrument has { $found }
error-wrong-version = this bundle needs installed software version { $required }; this instrument has { $found }
error-downgrade = release { $installed } (sequence { $installed_sequence }) was already applied in mode { $mode }; this bundle is older (sequence { $offered_sequence }) and would downgrade it
error-replay = release { $installed } (sequence { $sequence }) was already applied in mode { $mode }; give --reinstall to apply the same release again
error-not-confirmed = this release must not be installed before these steps are confirmed: { $steps }
error-nothing-to-roll-back = there is no install in { $root } that could be rolled back
error-nothing-installed = nothing was installed into { $root } with this state directory
error-changed-since-install = { $count ->
    [one] a file of release { $release } was changed since it was installed ({ $files }); rollback would lose that change, so nothing was changed
   *[other] the files of release { $release } were changed since it was installed ({ $files }); rollback would lose those changes, so nothing was changed
}
error-state-dir-writable = the state directory { $path } can be written by other users; make it writable by its owner only (chmod go-w) and run the command again; nothing was changed
error-state-dir-owner = the state directory { $path } belongs to another user; it must belong to the user that runs the verifier (or to root); nothing was changed
error-state-link = { $path } in the state directory is a symbolic link or not a directory; links are never followed there, so nothing was changed; replace it with a plain directory
error-state-inside-root = the state directory { $state } is inside the instrument root { $root }; a bundle could then replace the trust root and journal, so nothing was changed; keep the state directory outside the root
error-root-inside-state = the instrument root { $root } is inside the state directory { $state }; nothing was changed; keep the two apart
error-io = { $what } { $path }: { $detail }
error-disk-full = the disk is full ({ $what } { $path }: { $detail }); nothing was changed
error-install-failed = install failed: { $reason }; the instrument root was restored to its previous state
error-no-space = not enough free space in { $dir }: the new files need { $needed } MiB, { $available } MiB are free; nothing was changed
error-files-in-use = { $count ->
    [one] a file that would be replaced or removed is open in another program, so nothing was changed: { $files }
   *[other] { $count } files that would be replaced or removed are open in other programs, so nothing was changed: { $files }
}
in-use-file = { $path } (open in { $holders })
in-use-holder = { $name } (PID { $pid })
in-use-service = { $name }, service { $service } (PID { $pid })
in-use-unknown = a program Windows did not name
in-use-more = and { $more } more
error-restore-failed = install failed: { $reason }; restoring the root ALSO failed: { $restore }. Backups are in { $backup }

hint-not-confirmed = Nothing was changed. Do each step, then run apply again and confirm it (at the prompt or with --confirm ID).
hint-use-newest = Nothing was changed. Use the newest bundle for this instrument.
hint-usage = Check the command line and the files it names.
hint-refused = Do not install this file. Get a fresh copy of the bundle from the vendor and check it again.
hint-not-applicable = Nothing was changed. Use the bundle made for this instrument, or check the identity file.
hint-install-failed = Nothing was changed. Fix the cause (disk space, permissions) and run apply again.
hint-files-in-use = Close the program named, or stop the service that holds the files (in Services, or with sc stop NAME), then run the command again.
hint-volume-copy = Nothing was changed. Copy every volume file of the release (NAME.bundle, NAME.bundle.002, …) complete into one folder, then run the command again.
hint-other = Contact the vendor's technical support with this message.
hint-not-as-it-should-be = The check found differences: see the list above, and restore the instrument (apply --reinstall, or rollback) or report it.

# What a file operation could not do (`Error::io`); the path follows.
io-cannot-copy-to = cannot copy to
io-cannot-create = cannot create
io-cannot-create-a-directory-in = cannot create a directory in
io-cannot-create-a-file-in = cannot create a file in
io-cannot-create-backup-directory = cannot create backup directory
io-cannot-create-directory = cannot create directory
io-cannot-create-staged-file = cannot create staged file
io-cannot-create-staging-directory = cannot create staging directory
io-cannot-create-staging-directory-in = cannot create staging directory in
io-cannot-create-state-directory = cannot create state directory
io-cannot-inspect = cannot inspect
io-cannot-move-file-into-place = cannot move file into place
io-cannot-open = cannot open
io-cannot-open-state-directory = cannot open state directory
io-cannot-read = cannot read
io-cannot-read-free-space-of = cannot read free space of
io-cannot-remove = cannot remove
io-cannot-remove-directory = cannot remove directory
io-cannot-restore-the-old-file = cannot restore the old file
io-cannot-move-into-the-backup = cannot move into the backup
io-cannot-sync = cannot sync
io-cannot-sync-staged-files-on-the-file-system-of = cannot sync staged files on the file system of
io-cannot-write = cannot write
io-cannot-write-in = cannot write in
io-cannot-reserve-space-in = cannot set aside the space to finish the install in
io-cannot-write-staged-file = cannot write staged file
io-injected-fault-before = injected fault before
io-the-backup-is-missing-for = the backup is missing for
io-cannot-write-to = cannot write to

# Kinds of files read whole, named in error-input-too-large and error-not-a-regular-file.
input-key-file = key file
input-identity = instrument identity
input-registry = device registry
input-receipt = receipt
input-trust-root = trust root
input-state-record = state file
input-manifest = installed manifest
input-signatures = installed signatures
input-sbom = SBOM
input-spec = release spec
hint-changed-since-install = Put the release's signed files back first with `apply --reinstall` and the release's bundle, then run rollback again.
hint-nothing-to-roll-back = Every install into this root made with this state directory is rolled back already: the root is as it was before the first of them. Check --root and --state.
error-not-intact = release { $installed } is installed in mode { $mode }, but the root no longer matches it: { $modified } modified, { $missing } missing, { $unexpected } unexpected files
hint-not-intact = Nothing was changed. `bundle-verifier check-installed` names the files; `apply --reinstall` installs the same release again.
