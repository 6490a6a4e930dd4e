# Words every command shares.

error-prefix = error
release-name = { $id } { $version } (sequence { $sequence })
# Typed answers that mean yes, comma-separated (any shipped language's are accepted too).
answer-yes = y, yes
confirm-prompt = Please confirm [{ $id }]: { $text }
    Type yes to confirm:{" "}
how-flag = with --confirm
how-terminal = at the terminal
progress-volume = (volume { $n } of { $count })
progress-verify = checking
progress-stage = checking and unpacking
progress-backup = backing up
progress-switch = switching in
progress-actions = install actions
