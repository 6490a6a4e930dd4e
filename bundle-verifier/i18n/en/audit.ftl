# report and the verification form: what the auditor reads and signs.

report-serial = SERIAL
report-mode = MODE
report-model = MODEL
report-status = STATUS
report-release = RELEASE
report-time = TIME
report-detail = DETAIL
report-summary = release { $release }: { $instruments ->
    [one] { $instruments } instrument
   *[other] { $instruments } instruments
}, { $rows } serial × mode: { $patched } patched, { $not_patched } not patched, { $failed } failed, { $rolled_back } rolled back, { $invalid } invalid receipt; { $unknown } unknown and { $unreadable } unreadable of { $read ->
    [one] { $read } receipt read
   *[other] { $read } receipts read
}
report-one-mode-only = (!) patched in one mode only: { $serials }
report-unknown = unknown receipt { $file }: { $detail }
report-unreadable = unreadable receipt { $file }: { $detail }
status-patched = patched
status-not-patched = not patched
status-failed = failed
status-rolled-back = rolled back
status-invalid-receipt = receipt invalid

form-title = Verification form
form-intro = Filled in from the signed installation receipts of the instruments for release { $release }. Check every answer before signing.
form-company = Company name
form-product = Product/instrument name
form-quantity = Quantity
form-serials = Serial number(s)
form-mark-all = Mark all that apply.
form-standalone = Standalone instances of the instrument-independent software for RUO mode on the Dx instruments
form-your-details = Your details
form-name-print = Name (print):
form-job-title = Job title of the person filling in the form (print):
form-customer = Customer responses
form-s-received = I confirm receipt of the notice and that I have read and understood its content.
form-s-software = I confirm that the software is installed on the instruments marked above.
form-s-users = All relevant users have received the information.
form-s-patched = I confirm that the software patch has been installed on all instruments listed above.
form-yes = Yes
form-no = No
form-distributor = Distributor/importer responses
form-not-applicable = Not applicable
form-d-identified = I have identified the customers who may have received the product.
form-d-informed = I have informed the identified customers of this recall. Date (DD-MON-YYYY):
form-acknowledgement = I understand that the software patch must be installed separately in both modes (Dx and RUO) on every affected instrument listed in this form, and on every standalone instance of the software for RUO mode.
form-signature = Signature of the person filling in the form
form-date = Date
form-evidence = Evidence
form-not-from-receipts = Left unticked: receipts cannot show this; the person signing answers it.
form-distributor-why = Left unticked: for distributors and importers; receipts cannot show this.
form-software-yes = Ticked: valid signed receipts from all { $n } registered instruments and installs.
form-software-why = Left unticked: no valid receipt from { $serials }.
form-patched-yes = Ticked: valid receipts show release { $release } installed in all { $rows } expected serial × mode combinations.
form-patched-why = Left unticked: not shown patched: { $open }.
form-ack-evidence = Receipts show { $both } of { $dual } dual-boot instruments patched in both modes and { $sa } of { $sa_all } standalone installs patched.
form-annex = Annex: status per serial number and mode
form-mode = Mode
form-status-col = Status
form-when = Installed (receipt time)
form-notice = Field safety notice { $id } of { $date }
form-return-to = Return this form, signed, to: { $to }
form-unverified = UNVERIFIED: the bundle's signatures were not checked (no --trust-root or --trusted-key was given); the notice details above are not confirmed as the vendor's.
form-more-in-annex = and { $n } more (see the annex)
form-none = (none)
form-generated = Generated (UTC)
form-receipts-read = Receipts read
form-registry-sha256 = Device registry SHA-256
form-manifest-sha256 = Release manifest SHA-256
form-bundle = Release bundle
form-bundle-verified = signatures checked
form-bundle-unverified = signatures NOT checked (unverified)
form-page = Page
form-page-of = of

# Why a row of the report has its status.
note-no-receipt = no receipt shows release { $release } installed
note-installed = installed, receipt valid
note-superseded = superseded by later release { $release }
note-installed-over = { $release } was installed over it
note-another-installed-over = another release was installed over it
note-rolled-back = rolled back
note-rolled-back-to = a later release was rolled back to it
note-failed = { $result }: { $why }
note-invalid = { $count ->
    [one] { $count } invalid receipt
   *[other] { $count } invalid receipts
}, e.g. { $file }: { $why }; the valid receipts alone say { $status } ({ $inner })
