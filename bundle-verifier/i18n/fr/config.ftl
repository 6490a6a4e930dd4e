# Le fichier de configuration de l'instrument : ses erreurs, `config show` et les lignes de registre de `device init`.

input-config = fichier de configuration
error-config-missing = le fichier de configuration { $path } indiqué par { $by } n'existe pas
error-config-unreadable = impossible de lire le fichier de configuration { $path } : { $detail }
error-config-invalid = le fichier de configuration { $path } n'est pas valide : { $detail }
error-config-empty = fichier de configuration { $path } : { $key } ne doit pas être vide
error-config-both-trust = le fichier de configuration { $path } définit à la fois trust_root et trusted_keys ; n'en gardez qu'un
error-config-no-name = fichier de configuration { $path } : la commande { $key } doit contenir {"{"}name{"}"}, à la place du nom du service
error-config-owner = le fichier de configuration { $path } appartient à un autre utilisateur : qui peut le modifier choisit ce à quoi cet instrument fait confiance ; il doit vous appartenir ou appartenir à root
error-config-writable = le fichier de configuration { $path } est modifiable par d'autres utilisateurs : qui peut le modifier choisit ce à quoi cet instrument fait confiance ; retirez-leur le droit d'écriture (chmod go-w)
error-config-lang = fichier de configuration { $path } : lang = « { $value } » n'est pas une langue de cet outil (en, de, fr)
error-config-identity = fichier de configuration { $path } : la table [instrument] n'est pas une identité valide : { $detail }
error-not-set = { $key } manquant : utilisez { $flag }, ou définissez { $key } dans le fichier de configuration
hint-config-file = Corrigez le fichier de configuration (clés : root, state, instrument, trust_root ou trusted_keys, lang, [services]), ou indiquez-en un autre avec --config FICHIER.
hint-not-set = bundle-verifier config show liste chaque réglage et son origine.

config-file = fichier de configuration
config-file-none = aucun (cherché : { $path })
config-source-flag = option { $flag }
config-source-file = fichier de configuration
config-source-env = variable d'environnement { $var }
config-source-default = emplacement par défaut
config-source-system = langue du système
config-source-builtin = valeur par défaut intégrée
config-source-installed = racine de confiance installée dans le répertoire d'état
config-not-set = non défini
config-scm = Gestionnaire de contrôle des services Windows
config-inline-identity = table [instrument] du fichier ({ $serial }, { $mode })

device-registry-lines = Pour le registre des appareils (enregistrez la clé publique ci-dessus sous { $file }) :
