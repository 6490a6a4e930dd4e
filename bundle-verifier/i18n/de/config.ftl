# Die Gerätekonfigurationsdatei: ihre Fehler, `config show` und die Registerzeilen von `device init`.

input-config = Konfigurationsdatei
error-config-missing = die mit { $by } genannte Konfigurationsdatei { $path } existiert nicht
error-config-unreadable = die Konfigurationsdatei { $path } kann nicht gelesen werden: { $detail }
error-config-invalid = die Konfigurationsdatei { $path } ist ungültig: { $detail }
error-config-empty = Konfigurationsdatei { $path }: { $key } darf nicht leer sein
error-config-both-trust = die Konfigurationsdatei { $path } setzt sowohl trust_root als auch trusted_keys; behalten Sie eines
error-config-no-name = Konfigurationsdatei { $path }: der Befehl { $key } muss {"{"}name{"}"} enthalten, wo der Name des Dienstes steht
error-config-owner = die Konfigurationsdatei { $path } gehört einem anderen Benutzer: wer sie ändern kann, bestimmt, wem dieses Gerät vertraut; sie muss Ihnen oder root gehören
error-config-writable = die Konfigurationsdatei { $path } ist für andere Benutzer beschreibbar: wer sie ändern kann, bestimmt, wem dieses Gerät vertraut; entziehen Sie ihnen das Schreibrecht (chmod go-w)
error-config-lang = Konfigurationsdatei { $path }: lang = "{ $value }" ist keine Sprache dieses Programms (en, de, fr)
error-config-identity = Konfigurationsdatei { $path }: die Tabelle [instrument] ist keine gültige Geräteidentität: { $detail }
error-not-set = { $key } fehlt: geben Sie { $flag } an oder setzen Sie { $key } in der Konfigurationsdatei
hint-config-file = Korrigieren Sie die Konfigurationsdatei (Schlüssel: root, state, instrument, trust_root oder trusted_keys, lang, [services]) oder nennen Sie eine andere mit --config DATEI.
hint-not-set = bundle-verifier config show zeigt jede Einstellung und woher sie kommt.

config-file = Konfigurationsdatei
config-file-none = keine (gesucht: { $path })
config-source-flag = Option { $flag }
config-source-file = Konfigurationsdatei
config-source-env = Umgebungsvariable { $var }
config-source-default = Standardort
config-source-system = Spracheinstellung des Systems
config-source-builtin = eingebaute Voreinstellung
config-source-installed = im Zustandsverzeichnis installierte Vertrauensbasis
config-not-set = nicht gesetzt
config-scm = Windows-Dienststeuerungs-Manager
config-inline-identity = Tabelle [instrument] in der Datei ({ $serial }, { $mode })

device-registry-lines = Für das Geräteregister (den öffentlichen Schlüssel oben als { $file } speichern):
