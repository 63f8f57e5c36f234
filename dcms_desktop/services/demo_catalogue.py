"""The fixed parts of the demo clinic: its services, supplies and the words people write.

Prices are in Philippine pesos (the demo clinic charges 12 % VAT, as clinics there do).
Every service is a real dental procedure with a believable price and chair time; the
teeth a service may be done on are named by a rule the schedule generator understands:

- ``none``: no teeth are recorded;
- ``posterior``, ``molar``, ``anterior``, ``any``: teeth of that kind the patient has;
- ``wisdom``: third molars (adults);
- ``primary_molar``: primary molars (young children);
- ``sealant``: permanent first and second molars (children and teens);
- ``veneer``: a row of upper front teeth; ``splint``: a row of lower front teeth.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Supply:
    """What one use of a service takes from an inventory item."""

    item: str
    quantity: int = 1
    per_tooth: int | None = None


@dataclass(frozen=True)
class ServiceSpec:
    key: str
    name: str
    category: str
    price: Decimal
    duration: int
    pricing_model: str
    tooth_chart_use: str
    description: str
    teeth: str = "none"
    teeth_count: tuple[int, int] = (1, 1)
    surfaces: bool = False
    extraction: bool = False
    supplies: tuple[Supply, ...] = ()
    details: tuple[str, ...] = ()
    is_active: bool = True


def _d(amount: str) -> Decimal:
    return Decimal(amount)


PER_TOOTH = "Per Tooth"
PER_TOOTH_PACKAGE = "Per Tooth Package"
PER_SESSION = "Per Session"
PER_FILM = "Per Film"
PER_TREATMENT_PACKAGE = "Per Treatment Package"
REQUIRED = "required"
OPTIONAL = "optional"
NOT_NEEDED = "not needed"

# Tables below are laid out by hand for reading across; the formatter leaves them be.
# fmt: off
SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        "exam", "Oral examination and consultation", "Diagnostics", _d("500.00"), 15,
        PER_SESSION, NOT_NEEDED, "Full oral examination, charting and treatment plan.",
        supplies=(Supply("mouth_mirror_covers"),),
    ),
    ServiceSpec(
        "emergency", "Emergency consultation", "Diagnostics", _d("800.00"), 30,
        PER_SESSION, OPTIONAL, "Same-day assessment and pain relief.", teeth="any",
    ),
    ServiceSpec(
        "xray_pa", "Periapical X-ray", "Diagnostics", _d("400.00"), 15,
        PER_FILM, OPTIONAL, "Single-tooth radiograph, digital sensor.", teeth="any",
        supplies=(Supply("sensor_sleeves"),),
    ),
    ServiceSpec(
        "xray_bw", "Bitewing X-ray", "Diagnostics", _d("450.00"), 15,
        PER_FILM, NOT_NEEDED, "Radiographs of the back teeth for decay between teeth.",
        supplies=(Supply("sensor_sleeves"),),
    ),
    ServiceSpec(
        "xray_pano", "Panoramic X-ray", "Diagnostics", _d("1500.00"), 15,
        PER_FILM, NOT_NEEDED, "Full-mouth panoramic radiograph.",
    ),
    ServiceSpec(
        "cleaning", "Oral prophylaxis (cleaning)", "Preventive", _d("1200.00"), 30,
        PER_SESSION, NOT_NEEDED, "Scaling and polishing.",
        supplies=(Supply("prophy_paste"), Supply("prophy_angles")),
    ),
    ServiceSpec(
        "srp", "Scaling and root planing", "Periodontics", _d("2500.00"), 60,
        PER_SESSION, OPTIONAL, "Deep cleaning below the gum line, per session.",
        teeth="any", teeth_count=(4, 8),
        supplies=(Supply("anesthetic_lidocaine", 2), Supply("needles_27g")),
        details=("Deep scaling under local anaesthesia", "Root planing, pockets 4-6 mm"),
    ),
    ServiceSpec(
        "fluoride", "Fluoride varnish", "Preventive", _d("800.00"), 15,
        PER_SESSION, NOT_NEEDED, "Topical fluoride varnish application.",
        supplies=(Supply("fluoride_varnish"),),
    ),
    ServiceSpec(
        "sealant", "Pit and fissure sealant", "Preventive", _d("700.00"), 15,
        PER_TOOTH, REQUIRED, "Resin sealant on the chewing surface.",
        teeth="sealant", teeth_count=(1, 4), surfaces=True,
        supplies=(Supply("sealant_syringe", 0, 1),),
        details=("Sealant placed, occlusion checked", "Fissure sealant, cotton roll isolation"),
    ),
    ServiceSpec(
        "composite", "Composite filling", "Restorative", _d("1500.00"), 30,
        PER_TOOTH, REQUIRED, "Tooth-coloured filling, priced per tooth.",
        teeth="posterior", teeth_count=(1, 3), surfaces=True,
        supplies=(
            Supply("composite_a2", 0, 1),
            Supply("anesthetic_lidocaine", 0, 1),
            Supply("needles_27g"),
            Supply("bonding_agent_tips", 0, 1),
        ),
        details=(
            "Composite restoration, shade A2",
            "Composite restoration, shade A3",
            "Caries removed, composite placed in layers",
        ),
    ),
    ServiceSpec(
        "glass_ionomer", "Glass ionomer filling", "Restorative", _d("1200.00"), 30,
        PER_TOOTH, REQUIRED, "Fluoride-releasing filling, often for children.",
        teeth="primary_molar", teeth_count=(1, 2), surfaces=True,
        supplies=(Supply("glass_ionomer_capsules", 0, 1),),
        details=("Glass ionomer restoration", "GIC filling, child cooperative"),
    ),
    ServiceSpec(
        "temporary", "Temporary filling", "Restorative", _d("600.00"), 15,
        PER_TOOTH, REQUIRED, "Interim filling until definitive treatment.",
        teeth="posterior", surfaces=True,
        supplies=(Supply("temporary_cement", 0, 1),),
        details=("Temporary restoration placed", "Sedative dressing placed"),
    ),
    ServiceSpec(
        "rct_anterior", "Root canal treatment (front tooth)", "Endodontics", _d("8000.00"), 90,
        PER_TOOTH, REQUIRED, "Root canal treatment of an incisor or canine.",
        teeth="anterior",
        supplies=(
            Supply("anesthetic_lidocaine", 0, 2),
            Supply("needles_27g"),
            Supply("gutta_percha", 0, 1),
            Supply("rubber_dam_sheets"),
        ),
        details=("Single canal, obturated with gutta-percha", "Working length 21 mm, obturated"),
    ),
    ServiceSpec(
        "rct_molar", "Root canal treatment (molar)", "Endodontics", _d("12000.00"), 120,
        PER_TOOTH, REQUIRED, "Root canal treatment of a molar.",
        teeth="molar",
        supplies=(
            Supply("anesthetic_articaine", 0, 2),
            Supply("needles_27g"),
            Supply("gutta_percha", 0, 3),
            Supply("endo_files", 0, 1),
            Supply("rubber_dam_sheets"),
        ),
        details=("Three canals located and obturated", "Four canals, obturated, temporary seal"),
    ),
    ServiceSpec(
        "pulpotomy", "Pulpotomy (primary tooth)", "Endodontics", _d("2500.00"), 45,
        PER_TOOTH, REQUIRED, "Removal of the inflamed pulp of a baby tooth.",
        teeth="primary_molar",
        supplies=(Supply("anesthetic_lidocaine", 0, 1), Supply("needles_30g")),
        details=("Pulpotomy with MTA, GIC base",),
    ),
    ServiceSpec(
        "extraction", "Simple extraction", "Oral Surgery", _d("1000.00"), 30,
        PER_TOOTH, REQUIRED, "Removal of an erupted tooth.",
        teeth="any", extraction=True,
        supplies=(Supply("anesthetic_lidocaine", 0, 1), Supply("needles_27g"), Supply("gauze")),
        details=("Extraction uneventful, haemostasis", "Tooth extracted, socket irrigated"),
    ),
    ServiceSpec(
        "surgical_extraction", "Surgical extraction (impacted tooth)", "Oral Surgery",
        _d("6000.00"), 60, PER_TOOTH, REQUIRED, "Surgical removal of an impacted tooth.",
        teeth="wisdom", teeth_count=(1, 2), extraction=True,
        supplies=(
            Supply("anesthetic_articaine", 0, 2),
            Supply("needles_27g"),
            Supply("sutures", 0, 1),
            Supply("gauze"),
        ),
        details=("Flap raised, bone removed, sutured", "Impacted third molar removed, 2 sutures"),
    ),
    ServiceSpec(
        "crown_pfm", "Porcelain-fused-to-metal crown", "Prosthodontics", _d("12000.00"), 60,
        PER_TOOTH, REQUIRED, "Crown preparation, impression and fitting.",
        teeth="posterior",
        supplies=(Supply("impression_alginate"), Supply("temporary_crowns", 0, 1)),
        details=("Crown prepared, impression taken, temporary fitted", "PFM crown cemented"),
    ),
    ServiceSpec(
        "crown_zirconia", "Zirconia crown", "Prosthodontics", _d("20000.00"), 60,
        PER_TOOTH, REQUIRED, "All-ceramic crown milled from zirconia.",
        teeth="any",
        supplies=(Supply("impression_alginate"), Supply("temporary_crowns", 0, 1)),
        details=("Zirconia crown cemented, shade A2", "Crown try-in, occlusion adjusted"),
    ),
    ServiceSpec(
        "veneers", "Porcelain veneers (up to 6 teeth)", "Cosmetic", _d("45000.00"), 120,
        PER_TOOTH_PACKAGE, REQUIRED, "Veneers on the upper front teeth, one package price.",
        teeth="veneer", teeth_count=(2, 6),
        supplies=(Supply("impression_alginate"),),
        details=("Veneers bonded, shade BL2", "Veneer preparation and impressions"),
    ),
    ServiceSpec(
        "splint", "Splinting of loose teeth (up to 6 teeth)", "Periodontics", _d("8000.00"), 60,
        PER_TOOTH_PACKAGE, REQUIRED, "Wire and composite splint for mobile teeth.",
        teeth="splint", teeth_count=(4, 6),
        supplies=(Supply("composite_a2", 1),),
        details=("Lower anterior splint placed",),
    ),
    ServiceSpec(
        "whitening", "In-office teeth whitening", "Cosmetic", _d("15000.00"), 90,
        PER_TREATMENT_PACKAGE, NOT_NEEDED, "One-visit whitening with take-home touch-up kit.",
        supplies=(Supply("whitening_kits"),),
    ),
    ServiceSpec(
        "braces", "Orthodontic braces (full treatment)", "Orthodontics", _d("65000.00"), 90,
        PER_TREATMENT_PACKAGE, NOT_NEEDED,
        "Metal braces, monthly adjustments included in the plan.",
        supplies=(Supply("bracket_kits"), Supply("archwires", 2)),
    ),
    ServiceSpec(
        "ortho_adjust", "Braces adjustment", "Orthodontics", _d("1500.00"), 30,
        PER_SESSION, NOT_NEEDED, "Monthly wire change and adjustment.",
        supplies=(Supply("elastic_ligatures"),),
    ),
    ServiceSpec(
        "retainer", "Clear retainer (both arches)", "Orthodontics", _d("8000.00"), 30,
        PER_TREATMENT_PACKAGE, NOT_NEEDED, "Vacuum-formed retainers after braces.",
        supplies=(Supply("impression_alginate"),),
    ),
    ServiceSpec(
        "denture", "Complete denture (one arch)", "Prosthodontics", _d("25000.00"), 60,
        PER_TREATMENT_PACKAGE, NOT_NEEDED, "Acrylic complete denture, impressions to fitting.",
        supplies=(Supply("impression_alginate", 2),),
    ),
    ServiceSpec(
        "night_guard", "Night guard", "Prosthodontics", _d("6000.00"), 30,
        PER_SESSION, NOT_NEEDED, "Hard acrylic guard against grinding.",
        supplies=(Supply("impression_alginate"),),
    ),
    ServiceSpec(
        "amalgam", "Amalgam filling (discontinued)", "Restorative", _d("1000.00"), 30,
        PER_TOOTH, REQUIRED, "No longer offered: replaced by composite fillings.",
        teeth="posterior", surfaces=True, is_active=False,
    ),
)


@dataclass(frozen=True)
class ItemSpec:
    """An inventory item; stock levels are per dentist and scaled to the clinic's size."""

    key: str
    name: str
    category: str
    unit: str
    cost: Decimal
    min_per_dentist: int
    max_per_dentist: int
    supplier: int
    location: str
    shelf_life_days: int | None = None
    weekly_use_per_visit: float = 0.0
    description: str | None = None


# Weekly-use items are used on every visit (gloves, bibs ...): they are booked out once a
# week for the week's visits instead of once per visit, as clinics count them.
ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec("gloves_m", "Nitrile gloves, medium", "Infection control", "box of 100",
             _d("380.00"), 3, 12, 0, "Store room shelf A1", weekly_use_per_visit=0.025),
    ItemSpec("gloves_s", "Nitrile gloves, small", "Infection control", "box of 100",
             _d("380.00"), 2, 8, 0, "Store room shelf A1", weekly_use_per_visit=0.012),
    ItemSpec("masks", "Surgical face masks, level 2", "Infection control", "box of 50",
             _d("250.00"), 3, 12, 0, "Store room shelf A2", weekly_use_per_visit=0.03),
    ItemSpec("bibs", "Patient bibs", "Infection control", "pack of 125", _d("420.00"),
             1, 5, 1, "Store room shelf A3", weekly_use_per_visit=0.009),
    ItemSpec("cups", "Disposable cups", "Infection control", "sleeve of 100", _d("95.00"),
             1, 5, 1, "Store room shelf A3", weekly_use_per_visit=0.011),
    ItemSpec("saliva_ejectors", "Saliva ejectors", "Infection control", "bag of 100",
             _d("210.00"), 1, 5, 1, "Operatory drawers", weekly_use_per_visit=0.011),
    ItemSpec("surface_wipes", "Disinfectant surface wipes", "Infection control", "tub of 160",
             _d("690.00"), 1, 4, 0, "Sterilization room", 730, weekly_use_per_visit=0.006),
    ItemSpec("sterilization_pouches", "Sterilization pouches", "Sterilization", "box of 200",
             _d("560.00"), 1, 4, 0, "Sterilization room", weekly_use_per_visit=0.006),
    ItemSpec("autoclave_tape", "Autoclave indicator tape", "Sterilization", "roll",
             _d("180.00"), 1, 4, 0, "Sterilization room"),
    ItemSpec("hand_rub", "Alcohol hand rub 500 ml", "Infection control", "bottle", _d("260.00"),
             2, 8, 1, "Store room shelf A4", 1095, weekly_use_per_visit=0.008),
    ItemSpec("mouth_mirror_covers", "Mouth mirror sleeves", "Diagnostics", "piece",
             _d("6.00"), 40, 160, 2, "Operatory drawers"),
    ItemSpec("sensor_sleeves", "X-ray sensor sleeves", "Radiography", "piece", _d("4.00"),
             40, 160, 3, "X-ray room"),
    ItemSpec("xray_phosphor_plates", "Phosphor plate envelopes", "Radiography", "box of 300",
             _d("1450.00"), 1, 3, 3, "X-ray room"),
    ItemSpec("lead_apron_cover", "Lead apron covers", "Radiography", "piece", _d("35.00"), 2, 8,
             3, "X-ray room"),
    ItemSpec("prophy_paste", "Prophy paste cups, medium grit", "Preventive", "cup", _d("9.00"),
             30, 120, 2, "Operatory drawers", 1095),
    ItemSpec("prophy_angles", "Disposable prophy angles", "Preventive", "piece", _d("18.00"), 30,
             120, 2, "Operatory drawers"),
    ItemSpec("fluoride_varnish", "Fluoride varnish 5 % unit dose", "Preventive", "unit dose",
             _d("45.00"), 10, 40, 2, "Operatory drawers", 730),
    ItemSpec("sealant_syringe", "Pit and fissure sealant tips", "Preventive", "tip",
             _d("60.00"), 8, 32, 4, "Operatory drawers", 730),
    ItemSpec("composite_a2", "Composite resin capsule, shade A2", "Restorative", "capsule",
             _d("75.00"), 25, 100, 4, "Operatory drawers", 1095),
    ItemSpec("composite_a3", "Composite resin capsule, shade A3", "Restorative", "capsule",
             _d("75.00"), 10, 40, 4, "Operatory drawers", 1095),
    ItemSpec("bonding_agent_tips", "Bonding agent applicator tips", "Restorative", "tip",
             _d("12.00"), 25, 100, 4, "Operatory drawers", 730),
    ItemSpec("glass_ionomer_capsules", "Glass ionomer capsules", "Restorative", "capsule",
             _d("85.00"), 8, 32, 5, "Operatory drawers", 1095),
    ItemSpec("temporary_cement", "Temporary filling material", "Restorative", "dose",
             _d("30.00"), 8, 32, 5, "Operatory drawers", 730),
    ItemSpec("etchant", "Phosphoric acid etchant 37 %", "Restorative", "syringe", _d("220.00"),
             2, 8, 4, "Operatory drawers", 730),
    ItemSpec("matrix_bands", "Matrix bands", "Restorative", "pack of 12", _d("310.00"), 1, 5,
             5, "Operatory drawers"),
    ItemSpec("anesthetic_lidocaine", "Lidocaine 2 % with epinephrine", "Anesthetics",
             "cartridge", _d("38.00"), 40, 160, 6, "Medicine cabinet", 730),
    ItemSpec("anesthetic_articaine", "Articaine 4 % with epinephrine", "Anesthetics",
             "cartridge", _d("52.00"), 15, 60, 6, "Medicine cabinet", 730),
    ItemSpec("topical_gel", "Topical anaesthetic gel", "Anesthetics", "jar", _d("350.00"), 1, 4,
             6, "Medicine cabinet", 730),
    ItemSpec("needles_27g", "Dental needles 27G long", "Anesthetics", "piece", _d("8.00"), 40,
             160, 6, "Medicine cabinet", 1825),
    ItemSpec("needles_30g", "Dental needles 30G short", "Anesthetics", "piece", _d("8.00"), 8,
             32, 6, "Medicine cabinet", 1825),
    ItemSpec("gutta_percha", "Gutta-percha points", "Endodontics", "point", _d("6.00"), 20, 80,
             7, "Endo cabinet"),
    ItemSpec("endo_files", "Rotary endodontic files", "Endodontics", "file", _d("420.00"),
             4, 16, 7, "Endo cabinet"),
    ItemSpec("paper_points", "Absorbent paper points", "Endodontics", "box of 200",
             _d("260.00"), 1, 3, 7, "Endo cabinet"),
    ItemSpec("sodium_hypochlorite", "Sodium hypochlorite 3 %", "Endodontics", "bottle",
             _d("180.00"), 1, 4, 7, "Endo cabinet", 365),
    ItemSpec("rubber_dam_sheets", "Rubber dam sheets", "Endodontics", "sheet", _d("15.00"), 8,
             32, 7, "Endo cabinet", 1095),
    ItemSpec("sutures", "Sutures 4-0 resorbable", "Oral surgery", "pack", _d("160.00"), 6, 24,
             8, "Surgery cabinet", 1825),
    ItemSpec("gauze", "Sterile gauze 2x2", "Oral surgery", "pack of 10", _d("40.00"), 15, 60,
             8, "Surgery cabinet"),
    ItemSpec("hemostatic_sponge", "Haemostatic gelatin sponges", "Oral surgery", "piece",
             _d("95.00"), 4, 16, 8, "Surgery cabinet", 1095),
    ItemSpec("scalpel_blades", "Scalpel blades no. 15", "Oral surgery", "box of 100",
             _d("640.00"), 1, 2, 8, "Surgery cabinet", 1825),
    ItemSpec("impression_alginate", "Alginate impression material", "Impression materials",
             "scoop pack", _d("55.00"), 10, 40, 9, "Lab bench", 730),
    ItemSpec("impression_trays", "Disposable impression trays", "Impression materials",
             "piece", _d("25.00"), 10, 40, 9, "Lab bench"),
    ItemSpec("bite_registration", "Bite registration paste", "Impression materials",
             "cartridge", _d("480.00"), 1, 4, 9, "Lab bench", 730),
    ItemSpec("temporary_crowns", "Temporary crown material", "Prosthodontics", "dose",
             _d("90.00"), 6, 24, 9, "Lab bench", 730),
    ItemSpec("crown_cement", "Resin crown cement", "Prosthodontics", "syringe", _d("1250.00"),
             1, 4, 9, "Lab bench", 730),
    ItemSpec("bracket_kits", "Metal bracket kit (full case)", "Orthodontics", "kit",
             _d("1800.00"), 1, 4, 10, "Ortho cabinet"),
    ItemSpec("archwires", "Nickel-titanium archwires", "Orthodontics", "piece", _d("110.00"),
             4, 16, 10, "Ortho cabinet"),
    ItemSpec("elastic_ligatures", "Elastic ligature sticks", "Orthodontics", "stick",
             _d("20.00"), 15, 60, 10, "Ortho cabinet"),
    ItemSpec("ortho_wax", "Orthodontic relief wax", "Orthodontics", "box", _d("45.00"), 4, 16,
             10, "Ortho cabinet", weekly_use_per_visit=0.01),
    ItemSpec("whitening_kits", "In-office whitening kit", "Cosmetic", "kit", _d("2400.00"),
             1, 4, 11, "Medicine cabinet", 540),
    ItemSpec("desensitizer", "Desensitizing gel", "Cosmetic", "tube", _d("320.00"), 1, 4, 11,
             "Medicine cabinet", 730),
    ItemSpec("amoxicillin", "Amoxicillin 500 mg capsules", "Medications", "pack of 21",
             _d("180.00"), 2, 6, 12, "Medicine cabinet", 730),
    ItemSpec("ibuprofen", "Ibuprofen 400 mg tablets", "Medications", "pack of 20",
             _d("95.00"), 2, 6, 12, "Medicine cabinet", 1095),
    ItemSpec("chlorhexidine", "Chlorhexidine mouth rinse 0.12 %", "Medications", "bottle",
             _d("210.00"), 2, 6, 12, "Medicine cabinet", 730),
    ItemSpec("cotton_rolls", "Cotton rolls", "Consumables", "pack of 500", _d("190.00"), 1, 4,
             1, "Operatory drawers", weekly_use_per_visit=0.008),
    ItemSpec("articulating_paper", "Articulating paper", "Consumables", "book of 12",
             _d("150.00"), 1, 4, 5, "Operatory drawers"),
    ItemSpec("polishing_discs", "Polishing discs", "Consumables", "pack of 50", _d("540.00"),
             1, 3, 5, "Operatory drawers"),
    ItemSpec("suction_tips", "High-volume suction tips", "Consumables", "bag of 100",
             _d("330.00"), 1, 4, 1, "Operatory drawers", weekly_use_per_visit=0.008),
    ItemSpec("toothbrush_kits", "Patient toothbrush kits", "Patient care", "piece",
             _d("35.00"), 20, 80, 2, "Reception cabinet"),
    ItemSpec("floss_samples", "Dental floss samples", "Patient care", "piece", _d("12.00"),
             20, 80, 2, "Reception cabinet"),
    ItemSpec("receipt_paper", "Thermal receipt paper rolls", "Office", "roll", _d("45.00"),
             2, 8, 13, "Reception cabinet"),
    ItemSpec("appointment_cards", "Appointment cards", "Office", "pack of 100", _d("150.00"),
             1, 3, 13, "Reception cabinet"),
)

SUPPLIERS: tuple[tuple[str, str], ...] = (
    ("Metro Medical Supply", "orders@metromedsupply.example"),
    ("CleanLine Consumables", "sales@cleanline.example"),
    ("ProphyCare Distribution", "+63 2 8555 0142"),
    ("RadView Imaging Supplies", "service@radview.example"),
    ("Luzon Dental Materials", "orders@luzondental.example"),
    ("Restora Trading", "+63 2 8555 0177"),
    ("Pharmadent", "pharma@pharmadent.example"),
    ("EndoLine Philippines", "sales@endoline.example"),
    ("Surgimed Asia", "+63 2 8555 0190"),
    ("Prostho Lab Supplies", "lab@prostholab.example"),
    ("Orthoworks", "orders@orthoworks.example"),
    ("Bright Aesthetics Supply", "hello@brightaesthetics.example"),
    ("Mercury Health Wholesale", "+63 2 8555 0123"),
    ("OfficePro Manila", "sales@officepro.example"),
)

# Common Filipino surnames, mixed with Faker's Spanish ones for variety.
SURNAMES: tuple[str, ...] = (
    "Santos", "Reyes", "Cruz", "Bautista", "Ocampo", "Garcia", "Mendoza", "Torres", "Tomas",
    "Andrada", "Castillo", "Flores", "Villanueva", "Ramos", "Castro", "Rivera", "Aquino",
    "Navarro", "Salazar", "Mercado", "Dela Cruz", "De Leon", "Del Rosario", "Gonzales",
    "Lopez", "Aguilar", "Pascual", "Soriano", "Manalo", "Dizon", "Lim", "Tan", "Go", "Sy",
    "Chua", "Mallari", "Domingo", "Fernandez", "Gutierrez", "Valdez", "Santiago", "Cortez",
    "Manalang", "Panganiban", "Macaraeg", "Lacson", "Samonte", "Yap", "Ong", "Magbanua",
    "Tolentino", "Galang", "Dimaculangan", "Evangelista", "Sarmiento", "Bernardo",
    "Marquez", "Padilla", "Agustin", "Javier", "Esguerra", "Francisco", "Mangubat",
)

ADULT_CONDITIONS: tuple[tuple[str, int], ...] = (
    ("Hypertension", 14),
    ("Type 2 diabetes", 9),
    ("Penicillin allergy", 7),
    ("Asthma", 5),
    ("Takes warfarin", 3),
    ("Latex allergy", 2),
    ("Allergic to ibuprofen", 2),
    ("Heart murmur", 2),
    ("Hypothyroidism", 3),
    ("Hepatitis B carrier", 1),
    ("Takes aspirin daily", 4),
    ("Sulfa drug allergy", 1),
    ("Osteoporosis, takes bisphosphonates", 1),
    ("Smoker", 8),
)

CHILD_CONDITIONS: tuple[tuple[str, int], ...] = (
    ("Asthma", 5),
    ("Peanut allergy", 2),
    ("G6PD deficiency", 2),
    ("Penicillin allergy", 1),
)

CANCELLATION_REASONS: tuple[str, ...] = (
    "Patient called to reschedule",
    "Patient is unwell",
    "Work schedule conflict",
    "Typhoon signal, clinic advised patients to stay home",
    "Dentist unavailable, patient rebooked",
    "Patient travelling",
    "Family emergency",
    "Booked twice by mistake",
)

VISIT_NOTES: tuple[str, ...] = (
    "Patient tolerated the procedure well.",
    "No complications. Post-operative instructions given.",
    "Advised to return for review in six months.",
    "Oral hygiene instructions reinforced.",
    "Patient anxious; procedure done in short steps.",
    "Review in two weeks.",
    "Home care: soft diet for 24 hours.",
)

BILL_DISCOUNTS: tuple[tuple[str, str], ...] = (
    ("Loyalty discount 10 %", "10"),
    ("Family plan 5 %", "5"),
    ("Employee family discount 15 %", "15"),
)

SENIOR_DISCOUNT = ("Senior citizen discount 20 %", "20")


@dataclass(frozen=True)
class VisitKind:
    """A kind of visit: which services, for whom, and why the patient came."""

    key: str
    weight: float
    reasons: tuple[str, ...]
    min_age: int = 2
    max_age: int = 120


VISIT_KINDS: tuple[VisitKind, ...] = (
    VisitKind("checkup", 30, ("Routine check-up and cleaning", "Six-month recall", "Cleaning")),
    VisitKind("consult", 7, ("Consultation", "Second opinion", "New patient consultation")),
    VisitKind("filling", 17, ("Toothache when eating sweets", "Cavity found at check-up",
                             "Broken filling", "Food trapped between teeth"), min_age=6),
    VisitKind("child_filling", 4, ("Cavity in a baby tooth", "Dark spot on a tooth"),
              min_age=3, max_age=10),
    VisitKind("extraction", 5, ("Broken tooth", "Loose tooth", "Tooth beyond repair"),
              min_age=5),
    VisitKind("surgical", 2, ("Impacted wisdom tooth", "Pain at the back of the jaw"),
              min_age=17),
    VisitKind("rct", 4, ("Severe toothache at night", "Abscess", "Root canal, continued"),
              min_age=12),
    VisitKind("pulpotomy", 1.5, ("Toothache in a baby tooth",), min_age=3, max_age=9),
    VisitKind("sealant", 2.5, ("Sealants recommended at check-up",), min_age=6, max_age=15),
    VisitKind("crown", 3, ("Crown after root canal", "Cracked tooth"), min_age=18),
    VisitKind("srp", 3.5, ("Bleeding gums", "Gum disease treatment"), min_age=25),
    VisitKind("whitening", 1.2, ("Teeth whitening",), min_age=18),
    VisitKind("veneers", 0.4, ("Smile makeover",), min_age=20, max_age=70),
    VisitKind("splint", 0.3, ("Loose front teeth",), min_age=40),
    VisitKind("braces", 1.2, ("Orthodontic treatment start",), min_age=11, max_age=40),
    VisitKind("ortho_adjust", 8, ("Braces adjustment",), min_age=11, max_age=45),
    VisitKind("retainer", 0.6, ("Retainers after braces",), min_age=12, max_age=45),
    VisitKind("denture", 0.8, ("New denture", "Denture replacement"), min_age=55),
    VisitKind("night_guard", 0.7, ("Grinding teeth at night", "Jaw pain in the morning"),
              min_age=18),
    VisitKind("emergency", 0, ("Severe toothache", "Swelling of the face", "Knocked-out tooth",
                              "Broken tooth after a fall")),
)
# fmt: on
