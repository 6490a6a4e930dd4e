error-prefix = Fehler
release-name = { $id } { $version } (Sequenz { $sequence })
answer-yes = j, ja
confirm-prompt = Bitte bestätigen [{ $id }]: { $text }
    Zum Bestätigen ja eingeben:{" "}
how-flag = mit --confirm
how-terminal = am Terminal
progress-volume = (Teil { $n } von { $count })
progress-verify = Prüfen
progress-stage = Prüfen und Entpacken
progress-backup = Sichern
progress-switch = Einsetzen
progress-actions = Installationsschritte
