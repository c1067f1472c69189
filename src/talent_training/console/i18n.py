"""The console in French and English: the language a request is answered in, and every message in both.

The language is, first, the one just asked for (`?lang=fr|en` on any page, kept in the `tt_lang` cookie by
the answer), then the one kept in that cookie, then the browser's (`Accept-Language`, by weight), else
English, the language of the API and of its documents. Messages are a dict per language rather than a
gettext catalog: a few hundred short strings need no toolchain, and a test checks that both languages have
every key.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

LANGUAGES = ("en", "fr")
DEFAULT = "en"
ASKED = "lang"  # the query parameter of the switch
COOKIE = "tt_lang"
COOKIE_MAX_AGE_S = 365 * 24 * 3600

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "app.name": "Talent training",
        "nav.skip": "Skip to content",
        "nav.main": "Main",
        "nav.language": "Language",
        "lang.en": "English",
        "lang.fr": "Français",
        "home.title": "Home",
        "home.hello": "Hello, {name}",
        "home.who": "Signed in as {email}, {role}, in the account {account}.",
        "screen.catalog": "Catalog",
        "screen.realized": "Realized trainings",
        "screen.employees": "Employees",
        "screen.demands": "Training demands",
        "screen.sessions": "Sessions",
        "screen.imports": "Imports",
        "screen.reports": "Reports",
        "screen.admin": "Administration",
        "role.hr-admin": "HR administrator",
        "role.manager": "manager",
        "role.auditor": "auditor (read only)",
        "sign_out": "Sign out",
        "sign_out.everywhere": "Sign out everywhere",
        "sign_out.everywhere.help": "Ends your sessions in every browser, this one included.",
        "sign_in.title": "Sign in",
        "sign_in.email": "Email",
        "sign_in.password": "Password",
        "sign_in.submit": "Sign in",
        "sign_in.wrong": "Wrong email or password.",
        "sign_in.signed_out": "You are signed out.",
        "sign_in.password_set": "Your password is set: sign in with it.",
        "sign_in.forgotten": "Forgotten password? Ask an HR administrator for a reset link.",
        "reset.title": "Choose your password",
        "reset.password": "New password",
        "reset.confirmation": "New password, again",
        "reset.hint": "At least {min} characters.",
        "reset.submit": "Set my password",
        "reset.mismatch": "The two passwords differ.",
        "reset.too_short": "The password must be at least {min} characters long.",
        "reset.too_long": "The password must be at most {max} characters long.",
        "reset.unusable": "This password cannot be used: it holds characters that cannot be stored.",
        "reset.link_invalid": (
            "This link is unknown, already used or expired: ask an HR administrator for a new one."
        ),
        "catalog.title": "Catalog",
        "catalog.trainings": "Trainings",
        "catalog.providers": "Providers",
        "catalog.categories": "Categories",
        "catalog.read_only": "You can read the catalog; only HR administrators change it.",
        "catalog.search": "Search by title",
        "catalog.any": "Any",
        "catalog.filter": "Filter",
        "catalog.filters": "Search and filters",
        "catalog.empty": "No training matches.",
        "catalog.nothing": "Nothing yet.",
        "catalog.prev": "Previous page",
        "catalog.next": "Next page",
        "catalog.pages": "Pages",
        "catalog.invalid": "Some fields need correcting: see the messages next to them.",
        "catalog.none": "None",
        "catalog.yes": "Yes",
        "catalog.no": "No",
        "training.new": "New training",
        "training.create": "Create the training",
        "training.save": "Save",
        "training.archive": "Archive",
        "training.restore": "Restore",
        "training.archive.help": "An archived training stays in the history; it can be restored.",
        "training.created": "The training is created.",
        "training.saved": "The training is saved.",
        "training.archived": "The training is archived.",
        "training.restored": "The training is back in the catalog.",
        "training.title": "Title",
        "training.subtitle": "Subtitle",
        "training.description": "Description",
        "training.level": "Level",
        "training.type": "Type",
        "training.provider": "Provider",
        "training.category": "Category",
        "training.state": "State",
        "training.certifying": "Certifying",
        "training.mandatory": "Mandatory",
        "level.Beginner": "Beginner",
        "level.Middle": "Intermediate",
        "level.Expert": "Expert",
        "type.External": "External",
        "type.Internal": "Internal",
        "state.Ready": "Ready",
        "state.Archived": "Archived",
        "provider.new": "New provider",
        "provider.name": "Name",
        "provider.website": "Website",
        "provider.create": "Create the provider",
        "provider.created": "The provider is created.",
        "category.new": "New category",
        "category.name": "Name",
        "category.code": "Code",
        "category.name.En": "Name in English",
        "category.name.Fr": "Name in French",
        "category.create": "Create the category",
        "category.created": "The category is created.",
        "field.required": "Required.",
        "field.too_long": "At most {max} characters.",
        "field.url": "An address starting with http:// or https://.",
        "field.choice": "Choose a value from the list.",
        "field.unknown_provider": "This provider does not exist.",
        "field.unknown_category": "This category does not exist.",
        "field.name_taken": "This name is already used.",
        "error.back": "Back to the console",
        "error.reference": "Reference of this request: {request_id}",
        "error.400.title": "Bad request",
        "error.400.text": "The request could not be understood.",
        "error.403.title": "Not allowed",
        "error.403.text": "Your role does not allow this.",
        "error.form.text": (
            "This form has expired or did not come from this site: reload the page and try again."
        ),
        "error.404.title": "Page not found",
        "error.404.text": "There is no such page, or it is not yours to see.",
        "error.405.title": "Not allowed here",
        "error.405.text": "This page cannot be used that way.",
        "error.413.title": "Too large",
        "error.413.text": "What was sent is too large.",
        "error.429.title": "Too many attempts",
        "error.429.text": "Too many failed sign-ins from your address: wait {seconds} seconds and try again.",
        "error.500.title": "Something went wrong",
        "error.500.text": "An unexpected error occurred on our side; it has been logged.",
        "error.503.title": "Unavailable",
        "error.503.text": "The service is busy or its database is unavailable: try again shortly.",
        "error.other.title": "Error {status}",
        "error.other.text": "The request could not be served.",
    },
    "fr": {
        "app.name": "Talent training",
        "nav.skip": "Aller au contenu",
        "nav.main": "Menu principal",
        "nav.language": "Langue",
        "lang.en": "English",
        "lang.fr": "Français",
        "home.title": "Accueil",
        "home.hello": "Bonjour, {name}",
        "home.who": "Connecté en tant que {email}, {role}, dans le compte {account}.",
        "screen.catalog": "Catalogue",
        "screen.realized": "Formations réalisées",
        "screen.employees": "Collaborateurs",
        "screen.demands": "Demandes de formation",
        "screen.sessions": "Sessions",
        "screen.imports": "Imports",
        "screen.reports": "Rapports",
        "screen.admin": "Administration",
        "role.hr-admin": "administrateur RH",
        "role.manager": "manager",
        "role.auditor": "auditeur (lecture seule)",
        "sign_out": "Se déconnecter",
        "sign_out.everywhere": "Se déconnecter partout",
        "sign_out.everywhere.help": "Met fin à vos sessions dans tous les navigateurs, celui-ci compris.",
        "sign_in.title": "Connexion",
        "sign_in.email": "E-mail",
        "sign_in.password": "Mot de passe",
        "sign_in.submit": "Se connecter",
        "sign_in.wrong": "E-mail ou mot de passe incorrect.",
        "sign_in.signed_out": "Vous êtes déconnecté.",
        "sign_in.password_set": "Votre mot de passe est enregistré : connectez-vous avec.",
        "sign_in.forgotten": (
            "Mot de passe oublié ? Demandez un lien de réinitialisation à un administrateur RH."
        ),
        "reset.title": "Choisissez votre mot de passe",
        "reset.password": "Nouveau mot de passe",
        "reset.confirmation": "Nouveau mot de passe, à nouveau",
        "reset.hint": "Au moins {min} caractères.",
        "reset.submit": "Enregistrer mon mot de passe",
        "reset.mismatch": "Les deux mots de passe diffèrent.",
        "reset.too_short": "Le mot de passe doit compter au moins {min} caractères.",
        "reset.too_long": "Le mot de passe doit compter au plus {max} caractères.",
        "reset.unusable": (
            "Ce mot de passe ne peut pas être utilisé : il contient des caractères non enregistrables."
        ),
        "reset.link_invalid": (
            "Ce lien est inconnu, déjà utilisé ou expiré : demandez-en un nouveau à un administrateur RH."
        ),
        "catalog.title": "Catalogue",
        "catalog.trainings": "Formations",
        "catalog.providers": "Organismes",
        "catalog.categories": "Catégories",
        "catalog.read_only": (
            "Vous pouvez consulter le catalogue ; seuls les administrateurs RH le modifient."
        ),
        "catalog.search": "Rechercher par intitulé",
        "catalog.any": "Tous",
        "catalog.filter": "Filtrer",
        "catalog.filters": "Recherche et filtres",
        "catalog.empty": "Aucune formation ne correspond.",
        "catalog.nothing": "Rien pour l'instant.",
        "catalog.prev": "Page précédente",
        "catalog.next": "Page suivante",
        "catalog.pages": "Pages",
        "catalog.invalid": "Certains champs sont à corriger : voyez les messages à côté d'eux.",
        "catalog.none": "Aucun",
        "catalog.yes": "Oui",
        "catalog.no": "Non",
        "training.new": "Nouvelle formation",
        "training.create": "Créer la formation",
        "training.save": "Enregistrer",
        "training.archive": "Archiver",
        "training.restore": "Rétablir",
        "training.archive.help": "Une formation archivée reste dans l'historique ; elle peut être rétablie.",
        "training.created": "La formation est créée.",
        "training.saved": "La formation est enregistrée.",
        "training.archived": "La formation est archivée.",
        "training.restored": "La formation est de retour au catalogue.",
        "training.title": "Intitulé",
        "training.subtitle": "Sous-titre",
        "training.description": "Description",
        "training.level": "Niveau",
        "training.type": "Type",
        "training.provider": "Organisme",
        "training.category": "Catégorie",
        "training.state": "État",
        "training.certifying": "Certifiante",
        "training.mandatory": "Obligatoire",
        "level.Beginner": "Débutant",
        "level.Middle": "Intermédiaire",
        "level.Expert": "Expert",
        "type.External": "Externe",
        "type.Internal": "Interne",
        "state.Ready": "Active",
        "state.Archived": "Archivée",
        "provider.new": "Nouvel organisme",
        "provider.name": "Nom",
        "provider.website": "Site web",
        "provider.create": "Créer l'organisme",
        "provider.created": "L'organisme est créé.",
        "category.new": "Nouvelle catégorie",
        "category.name": "Nom",
        "category.code": "Code",
        "category.name.En": "Nom en anglais",
        "category.name.Fr": "Nom en français",
        "category.create": "Créer la catégorie",
        "category.created": "La catégorie est créée.",
        "field.required": "Obligatoire.",
        "field.too_long": "{max} caractères au plus.",
        "field.url": "Une adresse commençant par http:// ou https://.",
        "field.choice": "Choisissez une valeur de la liste.",
        "field.unknown_provider": "Cet organisme n'existe pas.",
        "field.unknown_category": "Cette catégorie n'existe pas.",
        "field.name_taken": "Ce nom est déjà utilisé.",
        "error.back": "Retour à la console",
        "error.reference": "Référence de cette requête : {request_id}",
        "error.400.title": "Requête invalide",
        "error.400.text": "La requête n'a pas pu être comprise.",
        "error.403.title": "Non autorisé",
        "error.403.text": "Votre rôle ne le permet pas.",
        "error.form.text": (
            "Ce formulaire a expiré ou ne vient pas de ce site : rechargez la page et réessayez."
        ),
        "error.404.title": "Page introuvable",
        "error.404.text": "Cette page n'existe pas, ou elle ne vous est pas accessible.",
        "error.405.title": "Action impossible ici",
        "error.405.text": "Cette page ne peut pas être utilisée ainsi.",
        "error.413.title": "Trop volumineux",
        "error.413.text": "L'envoi est trop volumineux.",
        "error.429.title": "Trop de tentatives",
        "error.429.text": (
            "Trop de connexions échouées depuis votre adresse : attendez {seconds} secondes puis réessayez."
        ),
        "error.500.title": "Une erreur est survenue",
        "error.500.text": "Une erreur inattendue s'est produite de notre côté ; elle a été journalisée.",
        "error.503.title": "Indisponible",
        "error.503.text": (
            "Le service est occupé ou sa base de données indisponible : réessayez dans un instant."
        ),
        "error.other.title": "Erreur {status}",
        "error.other.text": "La requête n'a pas pu être servie.",
    },
}


def add_messages(en: dict[str, str], fr: dict[str, str]) -> None:
    """A screen's own messages (each screen's module keeps its own, beside its code), in both languages:
    the same keys in each, and none that another screen already has."""
    if en.keys() != fr.keys():
        raise ValueError(f"messages in one language only: {sorted(en.keys() ^ fr.keys())}")
    taken = en.keys() & MESSAGES["en"].keys()
    if taken:
        raise ValueError(f"messages defined twice: {sorted(taken)}")
    MESSAGES["en"].update(en)
    MESSAGES["fr"].update(fr)


class Messages:
    """The messages of one language, as templates call them: `t("home.hello", name=...)`."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._messages = MESSAGES[language]

    def __call__(self, key: str, **values: Any) -> str:
        message = self._messages[key]  # a missing key is a bug: a test checks both catalogs
        return message.format(**values) if values else message

    def has(self, key: str) -> bool:
        return key in self._messages


def messages_of(request: Request) -> Messages:
    """The messages of the request's language."""
    return Messages(language_of(request))


def asked_language(request: Request) -> str | None:
    """The language the request switches to (`?lang=`), or None."""
    asked = request.query_params.get(ASKED)
    return asked if asked in LANGUAGES else None


def language_of(request: Request) -> str:
    kept = request.cookies.get(COOKIE)
    return (
        asked_language(request)
        or (kept if kept in LANGUAGES else None)
        or negotiated(request.headers.get("accept-language", ""))
    )


def negotiated(header: str) -> str:
    """The heaviest of our languages in an `Accept-Language` header (RFC 9110, 12.5.4): `fr-CA` is French,
    `*` is the default, weight 0 is refused; a tie goes to the first listed."""
    best, weight_of_best = DEFAULT, 0.0
    for item in header.split(",")[:50]:  # a header of thousands of ranges is not worth reading to its end
        tag, *parameters = item.strip().split(";")
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        primary = tag.strip().lower().split("-")[0]
        language = DEFAULT if primary == "*" else primary
        if language in LANGUAGES and 0 < weight <= 1 and weight > weight_of_best:
            best, weight_of_best = language, weight
    return best
