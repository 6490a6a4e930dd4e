# `usb`: the technician's one step.

usb-no-stick = No USB stick found. Plug it in, or name its folder: bundle-verifier usb DIR
usb-no-bundles = No bundle found on { $dir }. Is this the right stick or folder?
usb-none-applies = No bundle on the stick applies to this instrument ({ $model }, serial { $serial }, mode { $mode }). Nothing was changed.
usb-older = { $file }: { $release } is older than { $newest }
usb-same = { $file }: { $release } again (another copy of the newest)
usb-skipped = { $file }: { $reason }
usb-newest = To install: { $release }  ({ $file })
usb-instrument = On: { $model }, serial { $serial }, mode { $mode }
usb-counts = Files: { $added } added, { $replaced } replaced, { $removed } removed ({ $unchanged } unchanged)
usb-confirm = Needs your confirmation [{ $id }]: { $text }
usb-confirmed = Confirmed with --confirm [{ $id }]: { $text }
usb-ask = Install this release now? Type yes to install:{" "}
usb-no-terminal = Nobody can be asked at a terminal: run again with --yes (and --confirm ID for each step the release requires).
usb-cancelled = Not installed; nothing was changed.
usb-file-installed = Installed; the signed receipts are in this folder.
usb-receipts-written = Receipts and a summary are on the stick in { $dir }.
usb-receipts-not-written = The receipts could not be written to the stick ({ $reason }). They are in { $dir } on this instrument; export them later with: { $command }
usb-next-other-mode = Next: restart the instrument in { $modes } mode and run this again.
usb-next-done = Next: nothing more on this instrument; take the stick with the receipts to quality assurance.
