# The instrument config file: its errors, `config show`, and `device init`'s registry lines.

input-config = config file
error-config-missing = the config file { $path } named by { $by } does not exist
error-config-unreadable = cannot read the config file { $path }: { $detail }
error-config-invalid = the config file { $path } is not valid: { $detail }
error-config-empty = the config file { $path }: { $key } must not be empty
error-config-both-trust = the config file { $path } sets both trust_root and trusted_keys; keep one
error-config-no-name = the config file { $path }: the command { $key } must contain {"{"}name{"}"}, where the service's name goes
error-config-owner = the config file { $path } belongs to another user: whoever can change it chooses what this instrument trusts; it must belong to you or to root
error-config-writable = the config file { $path } is writable by other users: whoever can change it chooses what this instrument trusts; remove their write access (chmod go-w)
error-config-lang = the config file { $path }: lang = "{ $value }" is not a language this tool speaks (en, de, fr)
error-config-identity = the config file { $path }: the [instrument] table is not a valid identity: { $detail }
error-not-set = no { $key } given: use { $flag }, or set { $key } in the config file
hint-config-file = Fix the config file (keys: root, state, instrument, trust_root or trusted_keys, lang, [services]), or name another one with --config FILE.
hint-not-set = bundle-verifier config show lists every setting and where it comes from.

config-file = config file
config-file-none = none (looked for { $path })
config-source-flag = option { $flag }
config-source-file = config file
config-source-env = environment variable { $var }
config-source-default = default place
config-source-system = system language setting
config-source-builtin = built-in default
config-source-installed = trust root installed in the state directory
config-not-set = not set
config-scm = Windows Service Control Manager
config-inline-identity = inline [instrument] table ({ $serial }, { $mode })

device-registry-lines = For the device registry (save the public key above as { $file }):
