# Mots communs à toutes les commandes.

error-prefix = erreur
release-name = { $id } { $version } (séquence { $sequence })
# Réponses qui signifient oui, séparées par des virgules.
answer-yes = o, oui
confirm-prompt = Veuillez confirmer [{ $id }]: { $text }
    Tapez oui pour confirmer:{" "}
how-flag = avec --confirm
how-terminal = dans le terminal
progress-volume = (volume { $n } sur { $count })
progress-verify = vérification
progress-stage = vérification et extraction
progress-backup = sauvegarde
progress-switch = mise en place
progress-actions = actions d'installation
