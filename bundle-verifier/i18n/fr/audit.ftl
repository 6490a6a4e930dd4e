# Rapport et formulaire de vérification: ce que l'auditeur lit et signe.

report-serial = N° DE SÉRIE
report-mode = MODE
report-model = MODÈLE
report-status = STATUT
report-release = VERSION
report-time = HEURE
report-detail = DÉTAIL
report-summary = version { $release }: { $instruments ->
    [one] { $instruments } appareil
   *[other] { $instruments } appareils
}, { $rows ->
    [one] { $rows } combinaison numéro de série × mode
   *[other] { $rows } combinaisons numéro de série × mode
}: { $patched ->
    [one] { $patched } corrigée
   *[other] { $patched } corrigées
}, { $not_patched ->
    [one] { $not_patched } non corrigée
   *[other] { $not_patched } non corrigées
}, { $failed } en échec, { $rolled_back ->
    [one] { $rolled_back } annulée
   *[other] { $rolled_back } annulées
}, { $invalid } avec reçu invalide; { $unknown ->
    [one] { $unknown } inconnu
   *[other] { $unknown } inconnus
} et { $unreadable ->
    [one] { $unreadable } illisible
   *[other] { $unreadable } illisibles
} sur { $read ->
    [one] { $read } reçu lu
   *[other] { $read } reçus lus
}
report-one-mode-only = (!) corrigé dans un seul mode: { $serials }
report-unknown = reçu inconnu { $file }: { $detail }
report-unreadable = reçu illisible { $file }: { $detail }
status-patched = corrigé
status-not-patched = non corrigé
status-failed = échec
status-rolled-back = annulé
status-invalid-receipt = reçu invalide

form-title = Formulaire de vérification
form-intro = Rempli à partir des reçus d'installation signés des appareils pour la version { $release }. Vérifiez chaque réponse avant de signer.
form-company = Nom de l'entreprise
form-product = Nom du produit/de l'appareil
form-quantity = Quantité
form-serials = Numéro(s) de série
form-mark-all = Cochez toutes les cases applicables.
form-standalone = Instances autonomes du logiciel indépendant de l'appareil pour le mode RUO sur les appareils Dx
form-your-details = Vos coordonnées
form-name-print = Nom (en capitales):
form-job-title = Fonction de la personne qui remplit le formulaire (en capitales):
form-customer = Réponses du client
form-s-received = Je confirme avoir reçu l'avis, l'avoir lu et en avoir compris le contenu.
form-s-software = Je confirme que le logiciel est installé sur les appareils cochés ci-dessus.
form-s-users = Tous les utilisateurs concernés ont reçu l'information.
form-s-patched = Je confirme que le correctif logiciel a été installé sur tous les appareils énumérés ci-dessus.
form-yes = Oui
form-no = Non
form-distributor = Réponses du distributeur/de l'importateur
form-not-applicable = Sans objet
form-d-identified = J'ai identifié les clients susceptibles d'avoir reçu le produit.
form-d-informed = J'ai informé les clients identifiés du présent rappel. Date (JJ-MMM-AAAA):
form-acknowledgement = Je comprends que le correctif logiciel doit être installé séparément dans chacun des deux modes (Dx et RUO) sur chaque appareil concerné figurant dans le présent formulaire, ainsi que sur chaque instance autonome du logiciel pour le mode RUO.
form-signature = Signature de la personne qui remplit le formulaire
form-date = Date
form-evidence = Justificatif
form-not-from-receipts = Case non cochée: les reçus ne permettent pas de l'établir; la personne signataire y répond.
form-distributor-why = Case non cochée: réservée aux distributeurs et importateurs; les reçus ne permettent pas de l'établir.
form-software-yes = Case cochée: { $n ->
    [one] reçu signé valide pour l'ensemble des appareils et installations enregistrés ({ $n }).
   *[other] reçus signés valides pour l'ensemble des { $n } appareils et installations enregistrés.
}
form-software-why = Case non cochée: aucun reçu valide pour { $serials }.
form-patched-yes = Case cochée: des reçus valides attestent l'installation de la version { $release } dans { $rows ->
    [one] { $rows } combinaison attendue sur { $rows } (numéro de série × mode).
   *[other] l'ensemble des { $rows } combinaisons attendues (numéro de série × mode).
}
form-patched-why = Case non cochée: installation du correctif non attestée pour { $open }.
form-ack-evidence = Selon les reçus, { $both ->
    [one] { $both } appareil à double démarrage sur { $dual } est corrigé
   *[other] { $both } appareils à double démarrage sur { $dual } sont corrigés
} dans les deux modes, et { $sa ->
    [one] { $sa } installation autonome sur { $sa_all } est corrigée.
   *[other] { $sa } installations autonomes sur { $sa_all } sont corrigées.
}
form-annex = Annexe: statut par numéro de série et par mode
form-mode = Mode
form-status-col = Statut
form-when = Installé (heure du reçu)
form-notice = Avis de sécurité { $id } du { $date }
form-return-to = Renvoyez ce formulaire signé à: { $to }
form-unverified = NON VÉRIFIÉ: les signatures du paquet n'ont pas été vérifiées (ni --trust-root ni --trusted-key n'a été donné); les informations de l'avis ci-dessus ne sont pas confirmées comme celles du fabricant.
form-more-in-annex = et { $n } de plus (voir l'annexe)
form-none = (aucun)
form-generated = Généré (UTC)
form-receipts-read = Reçus lus
form-registry-sha256 = SHA-256 du registre des appareils
form-manifest-sha256 = SHA-256 du manifeste de la version
form-bundle = Paquet de la version
form-bundle-verified = signatures vérifiées
form-bundle-unverified = signatures NON vérifiées
form-page = Page
form-page-of = sur

note-no-receipt = aucun reçu ne montre la version { $release } installée
note-installed = installée, reçu valide
note-superseded = remplacée par la version ultérieure { $release }
note-installed-over = { $release } a été installée par-dessus
note-another-installed-over = une autre version a été installée par-dessus
note-rolled-back = annulée
note-rolled-back-to = une version ultérieure a été annulée pour revenir à celle-ci
note-failed = { $result }: { $why }
note-invalid = { $count ->
    [one] { $count } reçu invalide
   *[other] { $count } reçus invalides
}, p. ex. { $file }: { $why }; les reçus valides seuls indiquent { $status } ({ $inner })
