"""The sessions screen's messages (console/sessions.py)."""

from __future__ import annotations

import calendar

_MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
    "novembre", "décembre",
)  # fmt: skip

EN: dict[str, str] = {
    "sessions.title": "Sessions",
    "sessions.list": "List",
    "sessions.calendar": "Calendar",
    "sessions.views": "Views of the sessions",
    "sessions.filters": "Filters",
    "sessions.statuses": "Status",
    "sessions.month": "Month",
    "sessions.filter": "Filter",
    "sessions.empty": "No session matches.",
    "sessions.nothing": "No session yet.",
    "sessions.pages": "Pages",
    "sessions.prev": "Previous page",
    "sessions.next": "Next page",
    "sessions.training": "Training",
    "sessions.dates": "Dates",
    "sessions.from_to": "{start} to {end}",
    "sessions.duration": "Duration",
    "sessions.hours": "{hours} h",
    "sessions.location": "Location",
    "sessions.on_site": "On site",
    "sessions.remote": "Remote",
    "sessions.nowhere": "Not said",
    "sessions.capacity": "Seats",
    "sessions.registered": "Registered",
    "sessions.seats": "{registered} of {capacity}",
    "sessions.no_limit": "{registered} (no limit)",
    "sessions.status": "Status",
    "sessions.plan": "Plan",
    "sessions.status.Draft": "Draft",
    "sessions.status.Open": "Open",
    "sessions.status.Running": "Running",
    "sessions.status.Finished": "Finished",
    "sessions.status.Closed": "Closed",
    "sessions.bad_month": "A month as 2026-12.",
    "sessions.calendar.title": "Calendar of the sessions",
    "sessions.calendar.prev": "Previous month: {month}",
    "sessions.calendar.next": "Next month: {month}",
    "sessions.calendar.months": "Months",
    "sessions.calendar.more": "Only the first {count} sessions are shown: see the month in the list.",
    "sessions.calendar.as_list": "This month as a list",
    "sessions.session": "Session of {title}",
    "sessions.participants": "Participants",
    "sessions.participants.team": "Only your team's participants are shown.",
    "sessions.participants.none": "Nobody is registered.",
    "sessions.participant": "Participant",
    "sessions.attendance": "Attendance",
    "sessions.awaiting": "Awaiting attendance",
    "sessions.present": "Present",
    "sessions.absent": "Absent",
    "sessions.recorded": "Realized trainings recorded",
    "sessions.recorded.none": "No attendance recorded yet.",
    "sessions.recorded.done": "Attendance recorded: {count} realized trainings.",
    "sessions.take": "Take attendance",
    "sessions.print": "Printable attendance sheet",
    "sessions.attendance.title": "Attendance: {title}",
    "sessions.attendance.help": (
        "Everyone is ticked present: untick whoever was absent, then record. Each person gets a realized "
        "training, present or absent; an absent person's demand goes back to pending registration."
    ),
    "sessions.attendance.present_of": "{name} was present",
    "sessions.attendance.record": "Record attendance",
    "sessions.attendance.all": "Record everyone present",
    "sessions.attendance.all.help": "Records every person of this sheet present, whatever the ticks.",
    "sessions.attendance.nobody": "Nobody awaits attendance on this session.",
    "sessions.attendance.more": (
        "The first {count} people are listed: record them, and the next ones will be listed."
    ),
    "sessions.attendance.not_over": "Attendance is taken once the session is over (it ends on {date}).",
    "sessions.attendance.closed": "This session is closed: its attendance can no longer change.",
    "sessions.attendance.refused": "Nothing was recorded.",
    "sessions.attendance.already": (
        "The attendance of {name} is already recorded, or they are no longer registered: reload the sheet."
    ),
    "sessions.attendance.elsewhere": "{name} is not registered on this session.",
    "sessions.attendance.recorded": (
        "{name} already has a realized training of this training ending that day, so their attendance "
        "cannot be recorded: unregister their demand, then send the sheet again."
    ),
    "sessions.attendance.back": "Back to the session",
    "sessions.sheet.title": "Attendance sheet",
    "sessions.sheet.print": "Print",
    "sessions.sheet.trainer": "Trainer",
    "sessions.sheet.times": "Times",
    "sessions.sheet.times.blank": "Morning from ____ to ____, afternoon from ____ to ____",
    "sessions.sheet.trainee": "Trainee",
    "sessions.sheet.morning": "Morning",
    "sessions.sheet.afternoon": "Afternoon",
    "sessions.sheet.signature_of": "Trainer's signature",
    "sessions.sheet.caption": "Signatures, {start} to {end}",
    "sessions.sheet.more": "Only the first {count} trainees are on this sheet.",
    "sessions.sheet.days_more": "This sheet covers the first {count} days of the session.",
    "sessions.date": "{day} {month} {year}",
    **{f"sessions.month.{n}": calendar.month_name[n] for n in range(1, 13)},
    **{f"sessions.day.{n}": calendar.day_name[n - 1] for n in range(1, 8)},
    **{f"sessions.day_short.{n}": calendar.day_abbr[n - 1] for n in range(1, 8)},
}

FR: dict[str, str] = {
    "sessions.title": "Sessions",
    "sessions.list": "Liste",
    "sessions.calendar": "Calendrier",
    "sessions.views": "Vues des sessions",
    "sessions.filters": "Filtres",
    "sessions.statuses": "Statut",
    "sessions.month": "Mois",
    "sessions.filter": "Filtrer",
    "sessions.empty": "Aucune session ne correspond.",
    "sessions.nothing": "Aucune session pour l'instant.",
    "sessions.pages": "Pages",
    "sessions.prev": "Page précédente",
    "sessions.next": "Page suivante",
    "sessions.training": "Formation",
    "sessions.dates": "Dates",
    "sessions.from_to": "du {start} au {end}",
    "sessions.duration": "Durée",
    "sessions.hours": "{hours} h",
    "sessions.location": "Lieu",
    "sessions.on_site": "Sur site",
    "sessions.remote": "À distance",
    "sessions.nowhere": "Non précisé",
    "sessions.capacity": "Places",
    "sessions.registered": "Inscrits",
    "sessions.seats": "{registered} sur {capacity}",
    "sessions.no_limit": "{registered} (sans limite)",
    "sessions.status": "Statut",
    "sessions.plan": "Plan",
    "sessions.status.Draft": "Brouillon",
    "sessions.status.Open": "Ouverte",
    "sessions.status.Running": "En cours",
    "sessions.status.Finished": "Terminée",
    "sessions.status.Closed": "Clôturée",
    "sessions.bad_month": "Un mois sous la forme 2026-12.",
    "sessions.calendar.title": "Calendrier des sessions",
    "sessions.calendar.prev": "Mois précédent : {month}",
    "sessions.calendar.next": "Mois suivant : {month}",
    "sessions.calendar.months": "Mois",
    "sessions.calendar.more": (
        "Seules les {count} premières sessions sont affichées : voyez le mois dans la liste."
    ),
    "sessions.calendar.as_list": "Ce mois en liste",
    "sessions.session": "Session de {title}",
    "sessions.participants": "Participants",
    "sessions.participants.team": "Seuls les participants de votre équipe sont affichés.",
    "sessions.participants.none": "Personne n'est inscrit.",
    "sessions.participant": "Participant",
    "sessions.attendance": "Présence",
    "sessions.awaiting": "Présence à confirmer",
    "sessions.present": "Présent",
    "sessions.absent": "Absent",
    "sessions.recorded": "Formations réalisées enregistrées",
    "sessions.recorded.none": "Aucune présence enregistrée pour l'instant.",
    "sessions.recorded.done": "Présences enregistrées : {count} formations réalisées.",
    "sessions.take": "Saisir les présences",
    "sessions.print": "Feuille d'émargement à imprimer",
    "sessions.attendance.title": "Présences : {title}",
    "sessions.attendance.help": (
        "Tout le monde est coché présent : décochez les absents, puis enregistrez. Chacun reçoit une "
        "formation réalisée, présent ou absent ; la demande d'un absent revient en attente d'inscription."
    ),
    "sessions.attendance.present_of": "{name} était présent",
    "sessions.attendance.record": "Enregistrer les présences",
    "sessions.attendance.all": "Enregistrer tout le monde présent",
    "sessions.attendance.all.help": (
        "Enregistre présentes toutes les personnes de cette feuille, quelles que soient les cases."
    ),
    "sessions.attendance.nobody": "Personne n'attend de confirmation de présence sur cette session.",
    "sessions.attendance.more": (
        "Les {count} premières personnes sont listées : enregistrez-les, les suivantes le seront ensuite."
    ),
    "sessions.attendance.not_over": (
        "Les présences se saisissent une fois la session terminée (elle finit le {date})."
    ),
    "sessions.attendance.closed": "Cette session est clôturée : ses présences ne peuvent plus changer.",
    "sessions.attendance.refused": "Rien n'a été enregistré.",
    "sessions.attendance.already": (
        "La présence de {name} est déjà enregistrée, ou cette personne n'est plus inscrite : rechargez "
        "la feuille."
    ),
    "sessions.attendance.elsewhere": "{name} n'est pas inscrit à cette session.",
    "sessions.attendance.recorded": (
        "{name} a déjà une formation réalisée de cette formation se terminant ce jour-là : sa présence ne "
        "peut pas être enregistrée. Désinscrivez sa demande, puis envoyez de nouveau la feuille."
    ),
    "sessions.attendance.back": "Retour à la session",
    "sessions.sheet.title": "Feuille d'émargement",
    "sessions.sheet.print": "Imprimer",
    "sessions.sheet.trainer": "Formateur",
    "sessions.sheet.times": "Horaires",
    "sessions.sheet.times.blank": "Matin de ____ à ____, après-midi de ____ à ____",
    "sessions.sheet.trainee": "Stagiaire",
    "sessions.sheet.morning": "Matin",
    "sessions.sheet.afternoon": "Après-midi",
    "sessions.sheet.signature_of": "Signature du formateur",
    "sessions.sheet.caption": "Signatures, du {start} au {end}",
    "sessions.sheet.more": "Seuls les {count} premiers stagiaires figurent sur cette feuille.",
    "sessions.sheet.days_more": "Cette feuille couvre les {count} premiers jours de la session.",
    "sessions.date": "{day} {month} {year}",
    **{f"sessions.month.{n}": name for n, name in enumerate(_MONTHS_FR, start=1)},
    **{
        f"sessions.day.{n}": name
        for n, name in enumerate(
            ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"), start=1
        )
    },
    **{
        f"sessions.day_short.{n}": name
        for n, name in enumerate(("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."), start=1)
    },
}
