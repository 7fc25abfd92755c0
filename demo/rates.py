"""How often things happen in the demo data: shares, severities, onsets and risk factors.

Shares are ``((value, probability), ...)`` tables read by ``generate._pick``; they follow
what patient reports and the dermatology literature describe, rounded.
"""

from practitioners.models import SterilizationItem

SKIN_TYPES = (
    ("", 0.10),
    ("I", 0.04),
    ("II", 0.20),
    ("III", 0.26),
    ("IV", 0.20),
    ("V", 0.12),
    ("VI", 0.08),
)
SEVERITY = {
    "infection": (("mild", 0.5), ("moderate", 0.4), ("severe", 0.1)),
    "allergic_reaction": (("mild", 0.6), ("moderate", 0.33), ("severe", 0.07)),
    "hyperpigmentation": (("mild", 0.55), ("moderate", 0.38), ("severe", 0.07)),
    "scarring": (("mild", 0.45), ("moderate", 0.42), ("severe", 0.13)),
    "inflammation": (("mild", 0.7), ("moderate", 0.27), ("severe", 0.03)),
    "pain": (("mild", 0.7), ("moderate", 0.27), ("severe", 0.03)),
    "other": (("mild", 0.75), ("moderate", 0.22), ("severe", 0.03)),
}
ONSET_DAYS = {
    "infection": (2, 7),
    "allergic_reaction": (0, 2),
    "hyperpigmentation": (7, 42),
    "scarring": (14, 90),
    "inflammation": (1, 5),
    "pain": (0, 2),
    "other": (0, 30),
}
TREATMENT = {
    "mild": (("none", 0.55), ("self_care", 0.45)),
    "moderate": (("self_care", 0.45), ("prescription", 0.45), ("specialist", 0.10)),
    "severe": (("prescription", 0.35), ("specialist", 0.45), ("emergency", 0.20)),
}
SEVERE_INFECTION_TREATMENT = (("prescription", 0.25), ("specialist", 0.30), ("emergency", 0.45))
# How hard each procedure is on the skin (scales every complication's chance).
INTENSITY = {
    "microneedling": 1.0,
    "rf_microneedling": 1.3,
    "prp_microneedling": 1.0,
    "chemical_peel": 1.2,
    "laser_resurfacing": 1.5,
    "dermal_filler": 0.7,
}
NEEDLING = frozenset({"microneedling", "rf_microneedling", "prp_microneedling"})
REJECT_REASONS = ("contact_or_advertising", "personal_data", "offensive", "not_firsthand", "fake")
CHANGE_REASONS = ("personal_data", "contact_or_advertising")
HIDE_REASONS = ("conflict_of_interest", "fake")
LICENCE_STATES = (
    ("verified", 0.76),
    ("pending", 0.08),
    ("expired", 0.07),
    ("rejected", 0.04),
    ("revoked", 0.02),
    ("missing", 0.03),
)
STERILIZATION_STATES = (
    ("verified", 0.70),
    ("pending", 0.11),
    ("expired", 0.09),
    ("rejected", 0.04),
    ("revoked", 0.01),
    ("missing", 0.06),
)
STERILIZATION_DETAILS = {
    SterilizationItem.SINGLE_USE_CARTRIDGES: "Sealed sterile cartridges, lot logged per patient",
    SterilizationItem.AUTOCLAVE: "Class B steam autoclave; every cycle logged",
    SterilizationItem.SPORE_TESTING: "Weekly biological indicator test by a mail-in lab",
    SterilizationItem.SKIN_ANTISEPSIS: "Chlorhexidine 2% in 70% alcohol before every treatment",
    SterilizationItem.SHARPS_DISPOSAL: "Sharps containers in every room; licensed waste contractor",
    SterilizationItem.HAND_HYGIENE: "Alcohol hand rub and new gloves for every patient",
}
STERILIZATION_FAILURES = {
    SterilizationItem.SPORE_TESTING: "No spore-test log for the last six months",
    SterilizationItem.AUTOCLAVE: "Instruments cleaned with disinfectant wipes only",
    SterilizationItem.SINGLE_USE_CARTRIDGES: "Cartridges reused for the same patient",
}
