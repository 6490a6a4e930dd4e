# Erreurs, conseils et raisons.

list-none = (aucune)
judged-by-root = la version { $version } de la racine de confiance
judged-by-keys = les clés de confiance fournies
clock-system = l'horloge système
clock-root-issued = la date d'émission de la version { $version } de la racine de confiance; l'horloge système indique { $system }

why-revoked = révoquée dans la version { $version } de la racine de confiance
why-root-key = clé racine de la version { $version } de la racine de confiance, et non clé de publication
why-not-release-key = pas une clé de publication de la version { $version } de la racine de confiance
why-not-trusted = cette clé n'est pas reconnue comme fiable sur cet appareil
why-expired = clé expirée le { $expires } (date de référence { $judged_on }, d'après { $clock })
why-out-of-scope = la clé ne peut signer que pour { $scope }, mais le paquet vise aussi { $outside }

error-config = { $detail }
error-input-too-large = { $kind } { $path }: plus de { $limit } octets, la taille maximale admise; non lu
error-not-a-regular-file = { $kind } { $path }: pas un fichier ordinaire (un périphérique, un tube ou un répertoire); seul un fichier ordinaire d'au plus { $limit } octets est lu
error-open-bundle = impossible d'ouvrir le paquet { $path }: { $detail }
error-not-a-bundle = ce n'est pas un paquet de correctifs (il ne commence pas par l'élément "format")
error-unsupported-container = le conteneur du paquet est { $found }; cet outil de vérification lit "offline-patch-bundle/1"
error-truncated = le paquet est tronqué: il s'arrête à l'octet { $offset }, au milieu de { $what }
error-read-bundle = la lecture du paquet a échoué: { $detail }
error-bad-header = l'en-tête de { $member } à l'octet { $offset } n'est pas l'en-tête canonique; le paquet a été modifié
error-too-large = { $what }: { $found } dépasse la limite de { $limit }
error-trailing-data = données inattendues après la fin du paquet, à l'octet { $offset }
error-manifest = { $detail }
error-bad-signature-file = signatures.json est mal formé: { $detail }
error-bad-signature = la signature de la clé de confiance { $key_id } ne correspond pas au manifeste; le paquet a été modifié
error-not-trusted = le paquet n'est pas signé par assez de clés de confiance: { $threshold ->
    [one] { $counted } sur { $threshold } clé de publication requise
   *[other] { $counted } sur { $threshold } clés de publication requises
} selon { $judged_by }. Clés comptées: { $counted_ids }; clés non comptées: { $ignored }
error-trust-root-document = racine de confiance dans { $source_name }: { $detail }
error-trust-root-invalid = { $source_name } n'est pas recevable: { $detail }
error-trust-root-below-threshold = la version { $version } de la racine de confiance n'est signée que par { $counted } parmi { $whose } ({ $threshold ->
    [one] au moins { $threshold } doit signer
   *[other] au moins { $threshold } doivent signer
}); elle n'est pas reconnue comme fiable
error-trust-root-bad-signature = la signature de la clé racine { $key_id } sur la version { $version } de la racine de confiance n'est pas valide; la racine de confiance a été modifiée
error-trust-root-rollback = la version { $found } de la racine de confiance est plus ancienne que la version { $have }, déjà reconnue par cet appareil; une racine de confiance ne revient jamais en arrière
error-trust-root-conflict = il existe deux racines de confiance différentes en version { $version }; celle qui est proposée n'est pas celle reconnue ici
error-trust-root-gap = la version { $found } de la racine de confiance ne peut pas être vérifiée à partir de la version { $have }: toutes les versions intermédiaires sont nécessaires (chacune est signée par les clés racines de la précédente)
error-payload-digest = le contenu est endommagé: attendu { $expected_size ->
    [one] { $expected_size } octet
   *[other] { $expected_size } octets
} avec SHA-256 { $expected }, trouvé { $found_size ->
    [one] { $found_size } octet
   *[other] { $found_size } octets
} avec SHA-256 { $found }
error-payload-malformed = le contenu est mal formé: { $detail }
error-volume-missing = le volume { $n } sur { $count } manque: copiez { $file } depuis l'endroit d'où vient { $first } (le dossier de la version) dans { $dir }, à côté de { $first }
error-volume-size = le volume { $n } sur { $count } ({ $path }) fait { $found } octets, le manifeste signé en annonce { $expected }: il a été copié incomplètement ou c'est un autre fichier
error-volume-digest = le volume { $n } sur { $count } ({ $path }) n'est pas celui que cette version a signé (modifié, ou d'une autre version): SHA-256 { $found }, signé { $expected }
error-volume-swapped = le volume { $n } sur { $count } ({ $path }) contient le volume { $other } de cette version: les fichiers des volumes ont été renommés ou intervertis
error-volume-unreadable = impossible de lire le volume { $n } sur { $count } ({ $path }): { $detail }
error-volume-layout = la liste signée des { $count } volumes ne correspond pas au paquet; le paquet a été mal construit
error-sbom-digest = le SBOM est endommagé: le manifeste signé prévoit { $expected_size ->
    [one] { $expected_size } octet
   *[other] { $expected_size } octets
} avec SHA-256 { $expected }, sbom.json contient { $found_size ->
    [one] { $found_size } octet
   *[other] { $found_size } octets
} avec SHA-256 { $found }
error-sbom = { $detail }
error-wrong-model = ce paquet est destiné au modèle { $expected }; cet appareil est un { $found }
error-wrong-mode = ce paquet n'a pas de mode { $found } pour { $model }; il est destiné au mode { $expected }
error-wrong-udi-di = ce paquet est destiné à { $model } avec l'identifiant de dispositif (UDI-DI) { $expected }; cet appareil a l'identifiant { $found }
error-wrong-version = ce paquet exige que la version { $required } du logiciel soit installée; cet appareil a la version { $found }
error-downgrade = la publication { $installed } (séquence { $installed_sequence }) a déjà été appliquée en mode { $mode }; ce paquet est plus ancien (séquence { $offered_sequence }) et ramènerait l'appareil à une version antérieure
error-replay = la publication { $installed } (séquence { $sequence }) a déjà été appliquée en mode { $mode }; ajoutez --reinstall pour appliquer de nouveau la même publication
error-not-confirmed = cette publication ne doit pas être installée avant la confirmation de ces étapes: { $steps }
error-nothing-to-roll-back = il n'y a dans { $root } aucune installation qui puisse être annulée
error-nothing-installed = rien n'a été installé dans { $root } avec ce répertoire d'état
error-changed-since-install = { $count ->
    [one] un fichier de la publication { $release } a été modifié depuis son installation ({ $files }); l'annulation ferait perdre cette modification, donc rien n'a été changé
   *[other] des fichiers de la publication { $release } ont été modifiés depuis son installation ({ $files }); l'annulation ferait perdre ces modifications, donc rien n'a été changé
}
error-state-dir-writable = le répertoire d'état { $path } est modifiable par d'autres utilisateurs; rendez-le modifiable par son seul propriétaire (chmod go-w) et relancez la commande; rien n'a été modifié
error-state-dir-owner = le répertoire d'état { $path } appartient à un autre utilisateur; il doit appartenir à l'utilisateur qui exécute le vérificateur (ou à root); rien n'a été modifié
error-state-link = { $path } dans le répertoire d'état est un lien symbolique ou n'est pas un répertoire; les liens n'y sont jamais suivis, donc rien n'a été modifié; remplacez-le par un répertoire ordinaire
error-state-inside-root = le répertoire d'état { $state } se trouve dans le répertoire de l'appareil { $root }; un paquet pourrait alors remplacer la racine de confiance et le journal, donc rien n'a été modifié; placez le répertoire d'état hors du répertoire de l'appareil
error-root-inside-state = le répertoire de l'appareil { $root } se trouve dans le répertoire d'état { $state }; rien n'a été modifié; gardez-les séparés
error-io = { $what } { $path }: { $detail }
error-disk-full = le disque est plein ({ $what } { $path }: { $detail }); rien n'a été modifié
error-install-failed = l'installation a échoué: { $reason }; le répertoire de l'appareil a été remis dans son état précédent
error-no-space = espace libre insuffisant dans { $dir }: les nouveaux fichiers nécessitent { $needed } MiB, { $available ->
    [one] { $available } MiB disponible
   *[other] { $available } MiB disponibles
}; rien n'a été changé
error-files-in-use = { $count ->
    [one] un fichier qui serait remplacé ou supprimé est ouvert dans un autre programme, donc rien n'a été changé: { $files }
   *[other] { $count } fichiers qui seraient remplacés ou supprimés sont ouverts dans d'autres programmes, donc rien n'a été changé: { $files }
}
in-use-file = { $path } (ouvert dans { $holders })
in-use-holder = { $name } (PID { $pid })
in-use-service = { $name }, service { $service } (PID { $pid })
in-use-unknown = un programme que Windows ne nomme pas
in-use-more = et { $more } de plus
error-restore-failed = l'installation a échoué: { $reason }; la restauration du répertoire a ÉGALEMENT échoué: { $restore }. Les sauvegardes se trouvent dans { $backup }

hint-not-confirmed = Rien n'a été changé. Effectuez chacune des étapes, puis relancez apply et confirmez-les (à l'invite ou avec --confirm ID).
hint-use-newest = Rien n'a été changé. Utilisez le paquet le plus récent pour cet appareil.
hint-usage = Vérifiez la ligne de commande et les fichiers qu'elle indique.
hint-refused = N'installez pas ce fichier. Procurez-vous une nouvelle copie du paquet auprès du fabricant et vérifiez-la à nouveau.
hint-not-applicable = Rien n'a été changé. Utilisez le paquet prévu pour cet appareil, ou vérifiez le fichier d'identité.
hint-install-failed = Rien n'a été changé. Corrigez la cause (espace disque, droits d'accès) puis relancez apply.
hint-files-in-use = Fermez le programme indiqué, ou arrêtez le service qui tient les fichiers ouverts (dans Services, ou avec sc stop NAME), puis relancez la commande.
hint-volume-copy = Rien n'a été modifié. Copiez tous les fichiers de volume de la version (NOM.bundle, NOM.bundle.002, …) complets dans un même dossier, puis relancez la commande.
hint-other = Contactez le support technique du fabricant en lui transmettant ce message.
hint-not-as-it-should-be = La vérification a trouvé des écarts : voir la liste ci-dessus ; rétablissez l'instrument (apply --reinstall ou rollback) ou signalez-le.

# Ce qu'une opération sur fichier n'a pas pu faire; le chemin suit.
io-cannot-copy-to = impossible de copier vers
io-cannot-create = impossible de créer
io-cannot-create-a-directory-in = impossible de créer un répertoire dans
io-cannot-create-a-file-in = impossible de créer un fichier dans
io-cannot-create-backup-directory = impossible de créer le répertoire de sauvegarde
io-cannot-create-directory = impossible de créer le répertoire
io-cannot-create-staged-file = impossible de créer le fichier préparé
io-cannot-create-staging-directory = impossible de créer le répertoire de préparation
io-cannot-create-staging-directory-in = impossible de créer le répertoire de préparation dans
io-cannot-create-state-directory = impossible de créer le répertoire d'état
io-cannot-inspect = impossible d'examiner
io-cannot-move-file-into-place = impossible de mettre en place le fichier
io-cannot-open = impossible d'ouvrir
io-cannot-open-state-directory = impossible d'ouvrir le répertoire d'état
io-cannot-read = impossible de lire
io-cannot-read-free-space-of = impossible de lire l'espace libre de
io-cannot-remove = impossible de supprimer
io-cannot-remove-directory = impossible de supprimer le répertoire
io-cannot-restore-the-old-file = impossible de restaurer l'ancien fichier
io-cannot-move-into-the-backup = impossible de déplacer dans la sauvegarde
io-cannot-sync = impossible d'écrire sur le disque
io-cannot-sync-staged-files-on-the-file-system-of = impossible d'écrire sur le disque les fichiers préparés du système de fichiers de
io-cannot-write = impossible d'écrire
io-cannot-write-in = impossible d'écrire dans
io-cannot-reserve-space-in = impossible de réserver l'espace pour terminer l'installation dans
io-cannot-write-staged-file = impossible d'écrire le fichier préparé
io-injected-fault-before = panne simulée (test) avant
io-the-backup-is-missing-for = la sauvegarde est absente pour
io-cannot-write-to = impossible d'écrire vers

input-key-file = fichier de clé
input-identity = identité de l'instrument
input-registry = registre des appareils
input-receipt = reçu
input-trust-root = racine de confiance
input-state-record = fichier d'état
input-manifest = manifeste installé
input-signatures = signatures installées
input-sbom = nomenclature logicielle (SBOM)
input-spec = description de la version
hint-changed-since-install = Remettez d'abord en place les fichiers signés de la version avec `apply --reinstall` et le bundle de la version, puis relancez rollback.
hint-nothing-to-roll-back = Toutes les installations dans cette racine faites avec ce répertoire d'état sont déjà annulées : elle est comme avant la première. Vérifiez --root et --state.
error-not-intact = la publication { $installed } est installée en mode { $mode }, mais la racine ne lui correspond plus: { $modified } fichiers modifiés, { $missing } manquants, { $unexpected } inattendus
hint-not-intact = Rien n'a été changé. `bundle-verifier check-installed` nomme les fichiers; `apply --reinstall` installe de nouveau la même publication.
