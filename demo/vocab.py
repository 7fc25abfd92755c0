"""Words the demo data is made of: names, boards, clinics, bios and review phrases.

Our own lists (Faker is only a development dependency), chosen to read like a real US
directory. Every list is a tuple so that a seeded ``random.Random`` picks the same items
in the same order on every machine.
"""

FIRST_NAMES = (
    "Aaliyah", "Aaron", "Abigail", "Adriana", "Aisha", "Alejandro", "Alexis", "Alicia",
    "Amanda", "Amara", "Amir", "Ana", "Andrea", "Andrew", "Angela", "Anh", "Anthony",
    "Ariana", "Ashley", "Ava", "Beatriz", "Benjamin", "Brandon", "Brianna", "Brittany",
    "Camila", "Carlos", "Carmen", "Caroline", "Catherine", "Chen", "Chloe", "Christina",
    "Christopher", "Claire", "Courtney", "Daniel", "Danielle", "David", "Deepa", "Denise",
    "Destiny", "Diana", "Dominique", "Elena", "Elizabeth", "Emily", "Emma", "Erica", "Fatima",
    "Gabriela", "Grace", "Hannah", "Hana", "Imani", "Isabella", "Jacqueline", "Jamal",
    "James", "Jasmine", "Jennifer", "Jessica", "Jin", "Joanna", "Jordan", "Jose", "Julia",
    "Kaitlyn", "Kavya", "Keisha", "Kelly", "Kenji", "Kimberly", "Laura", "Lauren", "Layla",
    "Leah", "Lily", "Linh", "Lucia", "Madison", "Maria", "Mariana", "Maya", "Megan",
    "Melissa", "Mei", "Michael", "Michelle", "Mia", "Monica", "Nadia", "Natalie", "Nicole",
    "Nina", "Noor", "Olivia", "Omar", "Paola", "Patricia", "Priya", "Rachel", "Raquel",
    "Rebecca", "Renee", "Rosa", "Ryan", "Sabrina", "Samantha", "Sara", "Sarah", "Shanice",
    "Sofia", "Sophia", "Stephanie", "Sun", "Tamara", "Tanisha", "Taylor", "Tiffany", "Valeria",
    "Vanessa", "Victoria", "Wei", "Whitney", "Yasmin", "Yolanda", "Yuki", "Zara", "Zoe",
)  # fmt: skip

LAST_NAMES = (
    "Adams", "Ahmed", "Alvarez", "Anderson", "Baker", "Banks", "Bell", "Bennett", "Brooks",
    "Brown", "Bui", "Campbell", "Carter", "Castillo", "Chang", "Chavez", "Chen", "Clark",
    "Coleman", "Collins", "Cooper", "Cruz", "Davis", "Diaz", "Do", "Edwards", "Evans",
    "Fernandez", "Flores", "Foster", "Garcia", "Gomez", "Gonzalez", "Gray", "Green",
    "Gupta", "Gutierrez", "Hall", "Harris", "Hayes", "Hernandez", "Hill", "Hoang", "Howard",
    "Huang", "Hughes", "Jackson", "James", "Jenkins", "Johnson", "Jones", "Kaur", "Kelly",
    "Khan", "Kim", "King", "Kumar", "Le", "Lee", "Lewis", "Li", "Liu", "Lopez", "Martin",
    "Martinez", "Mendoza", "Miller", "Mitchell", "Moore", "Morales", "Morgan", "Morris",
    "Murphy", "Nguyen", "Nelson", "Okafor", "Okonkwo", "Ortiz", "Owens", "Park", "Patel",
    "Perez", "Perry", "Peterson", "Pham", "Phillips", "Powell", "Price", "Ramirez", "Reed",
    "Reyes", "Richardson", "Rivera", "Roberts", "Robinson", "Rodriguez", "Rogers", "Ross",
    "Russell", "Sanchez", "Sanders", "Scott", "Shah", "Singh", "Smith", "Stewart",
    "Sullivan", "Tanaka", "Taylor", "Thomas", "Thompson", "Torres", "Tran", "Turner",
    "Vargas", "Vasquez", "Walker", "Wang", "Ward", "Washington", "Watson", "White",
    "Williams", "Wilson", "Wong", "Wood", "Wright", "Wu", "Yamamoto", "Yang", "Young", "Zhang",
)  # fmt: skip

# Reserved example domains (RFC 2606): demo addresses can never reach a real mailbox.
PATIENT_EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example")

# (profession, weight, licence type, board kind, licence number prefix)
PROFESSIONS = (
    ("esthetician", 34, "Licensed Esthetician", "cosmetology", "ES"),
    ("registered_nurse", 20, "Registered Nurse (RN)", "nursing", "RN"),
    ("nurse_practitioner", 18, "Advanced Practice Registered Nurse (APRN)", "nursing", "AP"),
    ("physician", 16, "Physician and Surgeon (MD)", "medical", "MD"),
    ("physician_assistant", 8, "Physician Assistant (PA-C)", "medical", "PA"),
    ("other", 4, "Licensed Cosmetologist", "cosmetology", "CO"),
)

# What each profession typically offers; the first item is always offered.
PROCEDURE_MENUS = {
    "esthetician": ("microneedling", "chemical_peel", "prp_microneedling"),
    "registered_nurse": ("microneedling", "prp_microneedling", "dermal_filler", "chemical_peel"),
    "nurse_practitioner": (
        "microneedling",
        "rf_microneedling",
        "prp_microneedling",
        "dermal_filler",
        "chemical_peel",
    ),
    "physician": (
        "laser_resurfacing",
        "rf_microneedling",
        "microneedling",
        "dermal_filler",
        "chemical_peel",
        "prp_microneedling",
    ),
    "physician_assistant": ("rf_microneedling", "microneedling", "dermal_filler", "chemical_peel"),
    "other": ("microneedling", "chemical_peel"),
}

PROCEDURE_WORDS = {
    "microneedling": "microneedling",
    "rf_microneedling": "RF microneedling",
    "prp_microneedling": "PRP microneedling",
    "chemical_peel": "chemical peel",
    "laser_resurfacing": "laser resurfacing",
    "dermal_filler": "dermal filler",
}

# Licensing boards by state: (medical, nursing, cosmetology). States not listed use
# "<State> Board of Medicine / Nursing / Cosmetology", which is what most of them are called.
BOARDS = {
    "AZ": ("Arizona Medical Board", "Arizona State Board of Nursing",
           "Arizona State Board of Cosmetology"),
    "CA": ("Medical Board of California", "California Board of Registered Nursing",
           "California Board of Barbering and Cosmetology"),
    "CO": ("Colorado Medical Board", "Colorado State Board of Nursing",
           "Colorado Office of Barber and Cosmetology Licensure"),
    "FL": ("Florida Board of Medicine", "Florida Board of Nursing",
           "Florida Board of Cosmetology"),
    "GA": ("Georgia Composite Medical Board", "Georgia Board of Nursing",
           "Georgia State Board of Cosmetology and Barbers"),
    "IL": ("Illinois Department of Financial and Professional Regulation",) * 3,
    "MA": ("Massachusetts Board of Registration in Medicine",
           "Massachusetts Board of Registration in Nursing",
           "Massachusetts Board of Registration of Cosmetology and Barbering"),
    "MI": ("Michigan Board of Medicine", "Michigan Board of Nursing",
           "Michigan Board of Cosmetology"),
    "NC": ("North Carolina Medical Board", "North Carolina Board of Nursing",
           "North Carolina Board of Cosmetic Art Examiners"),
    "NJ": ("New Jersey State Board of Medical Examiners", "New Jersey Board of Nursing",
           "New Jersey State Board of Cosmetology and Hairstyling"),
    "NY": ("New York State Board for Medicine", "New York State Board of Nursing",
           "New York Department of State, Division of Licensing Services"),
    "OH": ("State Medical Board of Ohio", "Ohio Board of Nursing",
           "Ohio State Cosmetology and Barber Board"),
    "PA": ("Pennsylvania State Board of Medicine", "Pennsylvania State Board of Nursing",
           "Pennsylvania State Board of Cosmetology"),
    "TX": ("Texas Medical Board", "Texas Board of Nursing",
           "Texas Department of Licensing and Regulation"),
    "VA": ("Virginia Board of Medicine", "Virginia Board of Nursing",
           "Virginia Board for Barbers and Cosmetology"),
    "WA": ("Washington Medical Commission",
           "Washington State Nursing Care Quality Assurance Commission",
           "Washington State Department of Licensing"),
}  # fmt: skip
BOARD_INDEX = {"medical": 0, "nursing": 1, "cosmetology": 2}
DEFAULT_BOARDS = (
    "{state} Board of Medicine",
    "{state} Board of Nursing",
    "{state} Board of Cosmetology",
)

# The word lists are alike in shape by design: each tuple is data a seeded pick reads.
SPECIALTY_BOARDS = (
    "American Board of Dermatology",
    "American Board of Plastic Surgery",
    "American Board of Facial Plastic and Reconstructive Surgery",
    "American Board of Family Medicine",
)
INSURERS = ("The Doctors Company", "MedPro Group", "ProAssurance", "Coverys", "NORCAL Group")
DEVICE_TRAININGS = (
    ("Crown Aesthetics", "SkinPen Precision certified provider training"),
    ("InMode", "Morpheus8 fractional RF clinical training"),
    ("Cutera", "Secret RF microneedling training"),
    ("Candela", "Profound RF device training"),
    ("Lumenis", "Laser safety officer course"),
    ("Eclipse Aesthetics", "Eclipse MicroPen Elite training"),
)

CLINIC_PREFIXES = (
    "Radiance", "Lumen", "Clear", "Glow", "Luxe", "Pure", "Revive", "Bloom", "Serene", "Velvet",
    "Evolve", "Renew", "True", "Halo", "Aura", "Alabaster", "Willow", "Sage", "Cedar", "Harbor",
    "Summit", "Oak", "Bright", "Fresh", "Silk", "Rose", "Ivory", "Amber", "Golden", "Nova",
)  # fmt: skip
CLINIC_SUFFIXES = (
    "Skin Clinic", "Dermatology", "Aesthetics", "Med Spa", "Skin Studio", "Skin Institute",
    "Laser & Skin Center", "Dermatology Associates", "Wellness & Aesthetics", "Skin Bar",
)  # fmt: skip
STREET_NAMES = (
    "Main", "Oak", "Maple", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Park",
    "Sunset", "Highland", "Lincoln", "Jefferson", "Madison", "Franklin", "Church", "Market",
    "River", "Spring", "Center", "Broadway", "Willow", "Meadow", "Ridge", "Forest", "College",
)  # fmt: skip
STREET_TYPES = ("St", "Ave", "Blvd", "Rd", "Dr", "Ln", "Way", "Pkwy")
SUITES = ("Suite", "Ste", "Unit")

FOCUS = (
    "acne scarring",
    "fine lines and skin texture",
    "post-inflammatory hyperpigmentation",
    "melasma and uneven tone",
    "skin of color",
    "stretch marks",
    "enlarged pores",
    "sun damage",
)
BIO_APPROACH = (
    "Every new patient has a skin consultation and, where serums are used, a patch test first.",
    "Treatment depth is planned for each skin type, more conservatively on darker skin.",
    "Needle cartridges are sterile and single-use, opened in front of the patient.",
    "Aftercare instructions are given in writing and followed up by phone after 48 hours.",
    "Results are tracked with standardized photographs at every visit.",
)
BIO_TRAINING = (
    "Completed advanced training in collagen induction therapy.",
    "Member of the American Society for Dermatologic Surgery.",
    "Trained in managing complications and in infection control.",
    "Regularly attends continuing education on laser and energy-based devices.",
    "Trains other clinicians in safe microneedling technique.",
)

PARTNERS = ("GlowBook", "DermaSchedule", "SkinSlot", "CareCalendar", "MedSpa Cloud")

# --- Review text ----------------------------------------------------------------------------

REASONS = (
    "acne scars",
    "fine lines around my eyes",
    "uneven skin texture",
    "large pores",
    "dark spots from old breakouts",
    "stretch marks",
    "sun damage",
    "melasma",
)
OPENINGS = (
    "I had {n} {procedure} session{s} here for {reason}.",
    "I booked {procedure} for {reason} after a friend recommended the clinic.",
    "After years of dealing with {reason}, I finally tried {procedure}.",
    "I went in for {procedure} to help with {reason}.",
    "This was my first time trying {procedure}, mainly for {reason}.",
)
CARE_GOOD = (
    "They went through my medical history and what to avoid beforehand.",
    "She opened a new sealed needle cartridge in front of me, which was reassuring.",
    "The room was spotless and everything was wiped down before we started.",
    "They explained the needle depth they would use and why.",
    "I was given written aftercare instructions and a follow-up call two days later.",
    "The consultation was thorough and nobody pushed extra treatments on me.",
)
CARE_BAD = (
    "I did not see them open a new cartridge, and I wish I had asked.",
    "The consultation was rushed and nobody asked about my skin history.",
    "Aftercare instructions were a quick verbal list and nothing in writing.",
    "It felt like they were in a hurry to get to the next client.",
)
NUMBING = (
    "Numbing cream made it very tolerable.",
    "Even with numbing cream it stung on the forehead.",
    "I skipped numbing and it felt like sandpaper, but bearable.",
)
PATCH_TEST_YES = "They did a patch test on my jaw a few days before."
PATCH_TEST_NO = "Nobody offered a patch test for the serum."
RESULTS_GOOD = (
    "My skin looks smoother and the scarring is visibly softer.",
    "A month later my pores look smaller and my makeup sits better.",
    "The texture improvement is real, friends have noticed.",
    "Results built up slowly, but after the last session I am really happy.",
)
RESULTS_MIXED = (
    "Results are subtle so far; maybe more sessions are needed.",
    "Some improvement, but less than I hoped for the price.",
)
RESULTS_BAD = (
    "I would not have done it knowing how it went.",
    "Whatever improvement there was is overshadowed by what happened after.",
)
CLOSING_GOOD = (
    "I would recommend them and I have booked another session.",
    "I would go back.",
    "Highly recommend, especially if you are nervous about your first treatment.",
)
CLOSING_BAD = (
    "Please ask about their sterilization routine before you book.",
    "I would not go back.",
    "I hope they change how they handle aftercare.",
)

COMPLICATION_SENTENCES = {
    "infection": (
        "About {onset} days later I developed an infection with spreading redness and pus.",
        "Within {onset} days several spots became infected and hot to the touch.",
    ),
    "allergic_reaction": (
        "I reacted to the serum: hives and swelling started {onset} day{os} after.",
        "My skin broke out in an itchy allergic rash {onset} day{os} after.",
    ),
    "hyperpigmentation": (
        "About {onset} days later dark patches appeared where the needling was deepest.",
        "I developed post-inflammatory hyperpigmentation {onset} days after the session.",
    ),
    "scarring": (
        "Some raised scars formed along my cheekbones about {onset} days in.",
        "I was left with small pitted scars that showed up {onset} days after.",
    ),
    "inflammation": (
        "Redness and swelling lasted much longer than the two or three days I was told to expect.",
        "My face stayed swollen and red for well over a week.",
    ),
    "pain": (
        "It was painful for {onset} day{os} afterwards, more than I expected.",
        "My skin burned and ached for a few days after the session.",
    ),
    "other": (
        "I had a breakout of small white bumps (milia) {onset} days after.",
        "Tiny track marks from the needles were visible for weeks.",
    ),
}
TREATMENT_SENTENCES = {
    "none": "It settled on its own.",
    "self_care": "Cold compresses and a gentle routine helped.",
    "prescription": "My doctor prescribed medication for it.",
    "specialist": "I had to see a dermatologist about it.",
    "emergency": "I ended up in urgent care and needed antibiotics.",
}
OUTCOME_SENTENCES = {
    "resolved": "It has fully resolved now.",
    "ongoing": "It still has not fully cleared.",
}

TITLES_GOOD = (
    "Smoother skin and a careful practitioner",
    "Great results after {n} session{s}",
    "Professional, clean and honest",
    "Acne scars noticeably better",
    "Would happily go back",
    "Worth it for the texture alone",
    "Gentle and thorough",
)
TITLES_MIXED = (
    "Okay results, nothing dramatic",
    "Decent but pricey",
    "Mixed feelings",
    "Fine, but the aftercare could be better",
)
TITLES_BAD = {
    "infection": ("Infection after my session", "Ended up with an infection"),
    "allergic_reaction": ("Bad reaction to the serum", "Allergic reaction, no patch test"),
    "hyperpigmentation": ("Left with dark patches", "Hyperpigmentation on darker skin"),
    "scarring": ("Scarring after treatment", "Left with scars"),
    "inflammation": ("Swelling lasted over a week", "Very long recovery"),
    "pain": ("Far more painful than expected", "Painful recovery"),
    "other": ("Not what I expected", "Unexpected side effects"),
    None: ("Disappointing", "Not worth it for me"),
}

# A sentence that breaks the moderation policy, for reviews the demo shows as refused.
POLICY_BREACHES = {
    "contact_or_advertising": "Book through glow-deals.example/promo with my code for 20% off!",
    "personal_data": "Ask for the nurse on Tuesdays, she lives two doors down from me on Elm St.",
    "offensive": "The receptionist is a complete idiot and should be fired.",
    "not_firsthand": "To be clear, I did not go myself; this is what my cousin told me.",
    "fake": "Best clinic ever!!! Five stars!!! Everyone must go!!!",
    "conflict_of_interest": "Full disclosure: I work at the front desk here.",
}

RESPONSES_GOOD = (
    "Thank you for taking the time to share your experience. We're so glad you are happy "
    "with your results and look forward to seeing you again.",
    "Thank you for the kind words! Our whole team appreciates your feedback.",
    "We really appreciate this review. Thank you for trusting us with your skin.",
)
RESPONSES_BAD = (
    "We're sorry to read this. We take every report of a complication seriously and would "
    "like to follow up: please contact the clinic directly so we can help.",
    "Thank you for letting us know. We have reviewed our aftercare instructions with the team. "
    "Please reach out to the clinic so we can make this right.",
    "We're sorry your experience fell short. Patient safety is our first priority, and we "
    "would welcome the chance to talk with you directly.",
)
