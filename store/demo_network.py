"""The static text of the demo network: fictional clusters, organisations, people, events and calls.

Every name here is invented (only cities and regions are real), so that the demo never speaks
for a real cluster or company. Offers and seeks are written as topics owned by one cluster and
needed by others, which is what gives synergy matching real cross-regional pairs to find.
"""

from __future__ import annotations

from typing import NamedTuple


class ClusterRow(NamedTuple):
    key: str
    name: str
    region: str
    country: str
    sectors: tuple[str, ...]
    needs: tuple[str, ...]  # topic keys its members look for in other clusters


class OrganisationRow(NamedTuple):
    cluster: str
    name: str
    kind: str
    city: str
    topics: tuple[str, ...]  # topic keys its people offer


class Topic(NamedTuple):
    field: str  # what a bio says the person works on
    offer: str
    seek: str
    tags: tuple[str, ...]


class FeaturedMember(NamedTuple):
    organisation: str
    name: str
    role: str
    bio: str
    offers: str
    seeks: str
    tags: tuple[str, ...]
    is_coordinator: bool


class OutcomeRow(NamedTuple):
    member: str  # who told it (a featured member)
    other: str
    step: str  # a rung of store.models.OUTCOME_STEPS
    line: str  # the call or project name
    opportunity: str  # the title of the opportunity it answers, "" for none
    days_ago: int


class ExchangeRow(NamedTuple):
    visitor: str  # a featured member
    host_cluster: str  # the key of the hosting cluster
    starts_day: int  # days after the demo's "now" (negative: in the past)
    days: int
    status: str  # one of store.models.EXCHANGE_STATUSES


class EventRow(NamedTuple):
    cluster: str
    kind: str
    title: str
    city: str  # "" for online events, which use the organising cluster's zone
    venue: str
    day: int  # days after the demo's "now"
    local_start: str  # "HH:MM" in the place's zone
    hours: float
    capacity: int | None
    tags: tuple[str, ...]
    description: str


class OpportunityRow(NamedTuple):
    cluster: str
    kind: str
    title: str
    description: str
    tags: tuple[str, ...]
    deadline_day: int | None
    region: str  # "" means the cluster's region
    url: str


COUNTRY_TIMEZONES = {
    "Spain": "Europe/Madrid",
    "France": "Europe/Paris",
    "Portugal": "Europe/Lisbon",
    "Norway": "Europe/Oslo",
}

CLUSTERS = (
    ClusterRow(
        "texcat",
        "TEXCAT Catalan Advanced Textiles Cluster",
        "Catalonia",
        "Spain",
        ("textiles", "technical textiles", "fashion", "circular economy"),
        ("smart_textiles", "polymer_recycling", "robotics", "digital_twin", "bio_dyes", "living_lab"),
    ),
    ClusterRow(
        "valtex",
        "Valtex Home and Technical Textiles Cluster",
        "Valencia",
        "Spain",
        ("textiles", "home textiles", "nonwovens"),
        ("digital_printing", "robotics", "polymer_recycling", "traceability", "biopolymers"),
    ),
    ClusterRow(
        "fibralp",
        "Fibralp Technical Textiles Cluster",
        "Auvergne-Rhône-Alpes",
        "France",
        ("technical textiles", "medical textiles", "composites"),
        ("clinical_validation", "living_lab", "biopolymers", "additive", "coating", "offshore_ops"),
    ),
    ClusterRow(
        "plastivallee",
        "Plastivallée Polymer Cluster",
        "Auvergne-Rhône-Alpes",
        "France",
        ("polymers", "plastics", "biopolymers", "recycling"),
        ("textile_recycling", "marine_biomass", "nonwovens", "digital_twin", "eco_design"),
    ),
    ClusterRow(
        "ligeris",
        "Ligéris Advanced Manufacturing Cluster",
        "Pays de la Loire",
        "France",
        ("advanced manufacturing", "composites", "robotics", "industry 4.0"),
        ("composite_preforms", "polymer_ageing", "floating_wind", "ocean_data", "smart_textiles"),
    ),
    ClusterRow(
        "avetex",
        "Avetex Norte Textile and Fashion Cluster",
        "Norte",
        "Portugal",
        ("textiles", "fashion", "apparel"),
        ("finishing", "traceability", "eco_design", "robotics", "digital_printing", "textile_recycling"),
    ),
    ClusterRow(
        "vestsjo",
        "Vestsjø Ocean Technology Cluster",
        "Vestland",
        "Norway",
        ("ocean technology", "subsea", "marine robotics"),
        ("ropes", "coating", "polymer_ageing", "composites_mfg", "additive"),
    ),
    ClusterRow(
        "hordafisk",
        "Hordafisk Seafood Innovation Cluster",
        "Vestland",
        "Norway",
        ("seafood", "aquaculture", "food processing"),
        ("ropes", "biopolymers", "robotics", "subsea_sensors", "marine_robotics", "biofouling"),
    ),
    ClusterRow(
        "nordvind",
        "Nordvind Offshore Wind Cluster",
        "Rogaland",
        "Norway",
        ("offshore energy", "offshore wind", "energy transition"),
        ("workwear", "composite_preforms", "ropes", "marine_robotics", "ocean_data", "composites_mfg"),
    ),
    ClusterRow(
        "siddis",
        "Siddis Smart Care Cluster",
        "Rogaland",
        "Norway",
        ("health", "smart care", "welfare technology"),
        ("smart_textiles", "medical_textiles", "lab_testing", "home_textiles", "additive"),
    ),
)

TOPICS = {
    "services": Topic(
        "cluster services",
        "introductions to our members, learning visits and help writing EU proposals",
        "partner clusters for joint learning visits and ClusterXchange staff exchanges",
        ("cluster management", "internationalisation", "staff exchange"),
    ),
    "textile_recycling": Topic(
        "textile recycling",
        "mechanical recycling of post-consumer textiles and cutting off-cuts into new fibres",
        "a textile recycling partner for our production off-cuts",
        ("recycling", "textile recycling", "circular economy"),
    ),
    "finishing": Topic(
        "textile finishing",
        "recycled-polyester finishing and dyeing trials on our pilot line",
        "a finishing house to run dyeing trials on recycled polyester",
        ("finishing", "dyeing", "recycled polyester"),
    ),
    "knitting": Topic(
        "3D knitting",
        "seamless 3D-knit prototypes delivered within two weeks",
        "a knitting partner for seamless 3D-knit prototypes",
        ("knitting", "prototyping"),
    ),
    "digital_printing": Topic(
        "digital textile printing",
        "short-run digital textile printing with water-based pigment inks",
        "short-run digital printing on technical fabrics",
        ("digital printing", "sustainability"),
    ),
    "traceability": Topic(
        "digital product passports",
        "digital product passport and traceability pilots for garments",
        "help setting up a digital product passport for our textiles",
        ("digitalisation", "traceability", "digital product passport"),
    ),
    "eco_design": Topic(
        "eco-design",
        "eco-design workshops and life-cycle assessment of textile and plastic products",
        "a life-cycle assessment of our products before the next collection",
        ("eco-design", "lca", "sustainability"),
    ),
    "nonwovens": Topic(
        "nonwovens",
        "needle-punched nonwovens made from recycled fibres, up to 4 m wide",
        "a nonwovens producer able to work with recycled fibre",
        ("nonwovens", "recycled fibres"),
    ),
    "home_textiles": Topic(
        "home and contract textiles",
        "flame-retardant home and contract textiles for hotels, ships and care homes",
        "flame-retardant, washable fabrics for care homes",
        ("home textiles", "flame retardant", "contract"),
    ),
    "coating": Topic(
        "coating and lamination",
        "PFAS-free water-repellent coatings and lamination",
        "a PFAS-free water-repellent coating for outdoor and marine fabrics",
        ("coating", "pfas-free", "lamination"),
    ),
    "lab_testing": Topic(
        "textile testing",
        "accredited lab tests of fabrics: abrasion, colour fastness and fire behaviour",
        "an accredited lab to test our fabrics for fire behaviour and abrasion",
        ("testing", "certification"),
    ),
    "smart_textiles": Topic(
        "smart textiles",
        "smart-textile sensors woven into fabric for heart rate, posture and strain",
        "a partner for smart-textile sensors",
        ("smart textiles", "sensors", "wearables"),
    ),
    "composite_preforms": Topic(
        "3D woven preforms",
        "3D woven textile preforms for lightweight composite parts",
        "3D woven textile preforms for lightweight composite parts",
        ("composites", "preforms", "weaving"),
    ),
    "medical_textiles": Topic(
        "medical textiles",
        "medical textiles: compression garments and implantable meshes",
        "a medical-textile manufacturer for compression garments",
        ("medical textiles", "health"),
    ),
    "ropes": Topic(
        "ropes and geotextiles",
        "high-strength ropes, nets and geotextiles for marine and civil works",
        "high-strength ropes and nets that last in seawater",
        ("ropes", "geotextiles", "marine"),
    ),
    "polymer_recycling": Topic(
        "polymer recycling",
        "recycling of PET and polyolefins into fibre-grade and food-grade pellets",
        "a polymer recycler for our PET and polyolefin waste",
        ("recycling", "polymers", "pet"),
    ),
    "biopolymers": Topic(
        "bio-based polymers",
        "bio-based compounds (PLA, PHA) for fibres and packaging",
        "bio-based polymers for fibres or packaging",
        ("biopolymers", "bio-based", "packaging"),
    ),
    "injection": Topic(
        "injection moulding",
        "injection moulding and mould design for small series",
        "an injection moulder for a small series of sensor housings",
        ("injection moulding", "prototyping"),
    ),
    "polymer_ageing": Topic(
        "polymer testing",
        "polymer characterisation and ageing tests under UV and salt fog",
        "UV and salt-fog ageing tests for polymer parts",
        ("testing", "ageing", "polymers"),
    ),
    "robotics": Topic(
        "industrial robotics",
        "collaborative robots for handling, cutting and sewing cells",
        "automation of our cutting and sewing cells",
        ("robotics", "automation", "industry 4.0"),
    ),
    "composites_mfg": Topic(
        "composite manufacturing",
        "large composite structures made by automated fibre placement",
        "a composite manufacturer for large structures",
        ("composites", "manufacturing"),
    ),
    "digital_twin": Topic(
        "digital twins",
        "digital twins and production data platforms for small factories",
        "a partner to build a digital twin of our production line",
        ("digitalisation", "digital twin", "data"),
    ),
    "additive": Topic(
        "additive manufacturing",
        "metal and polymer additive manufacturing of spare parts on demand",
        "3D-printed spare parts and small series on demand",
        ("additive manufacturing", "3d printing"),
    ),
    "apparel": Topic(
        "apparel production",
        "small-batch apparel production for sustainable brands, from 100 pieces",
        "a garment maker for small batches close to Europe",
        ("apparel", "production", "nearshoring"),
    ),
    "denim": Topic(
        "denim finishing",
        "low-water denim washing with ozone and laser",
        "low-water finishing for our denim lines",
        ("denim", "finishing", "water"),
    ),
    "bio_dyes": Topic(
        "natural dyes",
        "natural and bacterial dyes for cotton and wool",
        "natural dyes for our cotton collections",
        ("dyeing", "bio-based", "natural dyes"),
    ),
    "workwear": Topic(
        "technical workwear",
        "flame-retardant and high-visibility workwear and uniforms",
        "flame-retardant workwear for offshore crews",
        ("workwear", "ppe", "flame retardant"),
    ),
    "subsea_sensors": Topic(
        "subsea sensors",
        "subsea sensors and underwater monitoring systems",
        "subsea sensors to monitor our sea sites",
        ("subsea", "sensors", "monitoring"),
    ),
    "marine_robotics": Topic(
        "marine robotics",
        "underwater drones and ROV inspection of moorings, nets and cables",
        "ROV inspection of moorings and nets",
        ("marine robotics", "inspection", "rov"),
    ),
    "ocean_data": Topic(
        "ocean data",
        "ocean data platforms with wave and current forecasts",
        "ocean and weather data for planning offshore operations",
        ("ocean data", "forecasting", "digitalisation"),
    ),
    "biofouling": Topic(
        "anti-fouling",
        "anti-fouling solutions and immersion tests in the fjord",
        "anti-fouling tests for materials in seawater",
        ("biofouling", "coating", "testing"),
    ),
    "fish_welfare": Topic(
        "fish welfare",
        "fish welfare monitoring with underwater cameras and machine vision",
        "machine vision to monitor fish welfare",
        ("aquaculture", "machine vision", "fish welfare"),
    ),
    "seafood_processing": Topic(
        "seafood processing",
        "automated seafood processing and packing lines",
        "automation of seafood processing",
        ("food processing", "automation"),
    ),
    "marine_biomass": Topic(
        "marine side-streams",
        "marine ingredients from fish side-streams: collagen, chitosan and oils",
        "marine collagen or chitosan to develop new bio-based materials",
        ("side-streams", "biomaterials", "circular economy"),
    ),
    "cold_chain": Topic(
        "cold-chain logistics",
        "cold-chain logistics and traceability for fresh fish exports",
        "cold-chain traceability for our exports",
        ("traceability", "logistics"),
    ),
    "offshore_ops": Topic(
        "offshore wind operations",
        "operations and maintenance services for offshore wind farms",
        "offshore wind operators willing to test new materials at sea",
        ("offshore wind", "operations and maintenance"),
    ),
    "floating_wind": Topic(
        "floating wind",
        "floating wind foundation design and mooring analysis",
        "mooring and foundation design for floating wind",
        ("floating wind", "mooring", "offshore wind"),
    ),
    "blade_repair": Topic(
        "blade repair",
        "wind turbine blade inspection and leading-edge repair",
        "blade repair and leading-edge protection",
        ("blades", "composites", "repair"),
    ),
    "hydrogen": Topic(
        "green hydrogen",
        "green hydrogen pilots coupled to offshore wind",
        "green hydrogen or renewable heat for our plant",
        ("hydrogen", "energy transition"),
    ),
    "remote_care": Topic(
        "telecare",
        "remote patient monitoring and telecare platforms",
        "a telecare platform to connect our wearable to",
        ("telecare", "health", "digitalisation"),
    ),
    "living_lab": Topic(
        "living labs",
        "a living lab in municipal care homes to test new products with users",
        "a living lab to test wearables with elderly users",
        ("living lab", "health", "user testing"),
    ),
    "fall_detection": Topic(
        "fall detection",
        "fall-detection sensors and smart-home kits for elderly people",
        "fall-detection sensors to pair with smart garments",
        ("sensors", "elderly care", "smart care"),
    ),
    "clinical_validation": Topic(
        "clinical validation",
        "clinical validation studies with the university hospital",
        "clinical validation of a medical textile device",
        ("clinical validation", "medical devices"),
    ),
}

ORGANISATIONS = (
    OrganisationRow("texcat", "TEXCAT Cluster Association", "association", "Terrassa", ("services",)),
    OrganisationRow("texcat", "Teixits Vallès SL", "sme", "Sabadell", ("finishing", "traceability")),
    OrganisationRow("texcat", "Refil Reciclatge Tèxtil SL", "sme", "Terrassa", ("textile_recycling",)),
    OrganisationRow("texcat", "Punt Tèxtil Mataró SA", "sme", "Mataró", ("knitting",)),
    OrganisationRow("texcat", "Estampats Anoia SL", "sme", "Igualada", ("digital_printing",)),
    OrganisationRow("texcat", "Fibres Llobregat SA", "large_company", "Martorell", ("finishing",)),
    OrganisationRow(
        "texcat", "Institut Tèxtil de Terrassa", "research_centre", "Terrassa", ("eco_design", "traceability")
    ),
    OrganisationRow(
        "texcat", "Escola d'Enginyeria Tèxtil del Vallès", "university", "Terrassa", ("eco_design",)
    ),
    OrganisationRow("valtex", "Valtex Cluster Association", "association", "Ontinyent", ("services",)),
    OrganisationRow("valtex", "Tejidos Albaida SL", "sme", "Albaida", ("home_textiles",)),
    OrganisationRow("valtex", "Nontex Mediterráneo SA", "large_company", "Alcoi", ("nonwovens",)),
    OrganisationRow("valtex", "Recubrimientos Serpis SL", "sme", "Alcoi", ("coating",)),
    OrganisationRow("valtex", "Hogar Textil Crevillent SA", "sme", "Crevillent", ("home_textiles",)),
    OrganisationRow("valtex", "Laboratorio Textil de Alcoi", "research_centre", "Alcoi", ("lab_testing",)),
    OrganisationRow("valtex", "Instituto de Materiales del Serpis", "research_centre", "Alcoi", ("coating",)),
    OrganisationRow("fibralp", "Fibralp Association", "association", "Lyon", ("services",)),
    OrganisationRow("fibralp", "Tissages du Forez SAS", "sme", "Roanne", ("composite_preforms",)),
    OrganisationRow("fibralp", "Sensitex SAS", "sme", "Villeurbanne", ("smart_textiles",)),
    OrganisationRow("fibralp", "Méditextile Lyon SAS", "sme", "Lyon", ("medical_textiles",)),
    OrganisationRow("fibralp", "Cordages Rhodaniens SA", "sme", "Saint-Étienne", ("ropes",)),
    OrganisationRow(
        "fibralp",
        "Institut Lyonnais des Fibres",
        "research_centre",
        "Lyon",
        ("smart_textiles", "lab_testing"),
    ),
    OrganisationRow(
        "fibralp", "Groupe Tissus Techniques Dauphiné", "large_company", "Voiron", ("composite_preforms",)
    ),
    OrganisationRow("plastivallee", "Plastivallée Association", "association", "Oyonnax", ("services",)),
    OrganisationRow("plastivallee", "Régénère Polymères SAS", "sme", "Oyonnax", ("polymer_recycling",)),
    OrganisationRow("plastivallee", "Biocompo Auvergne SAS", "sme", "Clermont-Ferrand", ("biopolymers",)),
    OrganisationRow("plastivallee", "Moules du Haut-Bugey SARL", "sme", "Oyonnax", ("injection",)),
    OrganisationRow(
        "plastivallee",
        "Centre d'Essais Polymères de l'Ain",
        "research_centre",
        "Bourg-en-Bresse",
        ("polymer_ageing",),
    ),
    OrganisationRow(
        "plastivallee", "École des Plastiques de l'Ain", "university", "Oyonnax", ("biopolymers",)
    ),
    OrganisationRow(
        "plastivallee", "Arvéo Chimie SA", "large_company", "Lyon", ("polymer_recycling", "biopolymers")
    ),
    OrganisationRow("ligeris", "Ligéris Association", "association", "Nantes", ("services",)),
    OrganisationRow("ligeris", "Atlantique Robotique SAS", "sme", "Nantes", ("robotics",)),
    OrganisationRow(
        "ligeris", "Composites de l'Estuaire SA", "large_company", "Saint-Nazaire", ("composites_mfg",)
    ),
    OrganisationRow("ligeris", "Twinéo SAS", "sme", "Angers", ("digital_twin",)),
    OrganisationRow("ligeris", "Addilo SAS", "sme", "Le Mans", ("additive",)),
    OrganisationRow(
        "ligeris",
        "Institut Ligérien de Productique",
        "research_centre",
        "Nantes",
        ("digital_twin", "robotics"),
    ),
    OrganisationRow("ligeris", "École d'Ingénieurs de Cholet", "university", "Cholet", ("robotics",)),
    OrganisationRow("avetex", "Avetex Associação", "association", "Guimarães", ("services",)),
    OrganisationRow("avetex", "Malhas do Ave, Lda.", "sme", "Guimarães", ("apparel",)),
    OrganisationRow("avetex", "Confecções Barcelense, Lda.", "sme", "Barcelos", ("apparel",)),
    OrganisationRow("avetex", "Denim Cávado SA", "sme", "Braga", ("denim",)),
    OrganisationRow("avetex", "Tinturaria Natural de Guimarães, Lda.", "sme", "Guimarães", ("bio_dyes",)),
    OrganisationRow(
        "avetex", "Fardamentos do Norte SA", "large_company", "Vila Nova de Famalicão", ("workwear",)
    ),
    OrganisationRow(
        "avetex",
        "Centro Tecnológico Têxtil do Minho",
        "research_centre",
        "Vila Nova de Famalicão",
        ("bio_dyes",),
    ),
    OrganisationRow("avetex", "Escola Superior Têxtil do Ave", "university", "Guimarães", ("denim",)),
    OrganisationRow("vestsjo", "Vestsjø Cluster AS", "association", "Bergen", ("services",)),
    OrganisationRow("vestsjo", "Havsensor AS", "sme", "Bergen", ("subsea_sensors",)),
    OrganisationRow("vestsjo", "Fjorddrone AS", "sme", "Bergen", ("marine_robotics",)),
    OrganisationRow("vestsjo", "Bølgedata AS", "sme", "Bergen", ("ocean_data",)),
    OrganisationRow("vestsjo", "Nordhav Subsea ASA", "large_company", "Bergen", ("subsea_sensors",)),
    OrganisationRow("vestsjo", "Havforskningssenteret Vest", "research_centre", "Bergen", ("biofouling",)),
    OrganisationRow("vestsjo", "Vestlandet University College", "university", "Bergen", ("ocean_data",)),
    OrganisationRow("hordafisk", "Hordafisk Cluster AS", "association", "Bergen", ("services",)),
    OrganisationRow("hordafisk", "Laksesyn AS", "sme", "Bergen", ("fish_welfare",)),
    OrganisationRow("hordafisk", "Austevoll Prosessering AS", "sme", "Austevoll", ("seafood_processing",)),
    OrganisationRow("hordafisk", "Marinbio Vest AS", "sme", "Bergen", ("marine_biomass",)),
    OrganisationRow("hordafisk", "Kaldkjede Logistikk AS", "sme", "Florø", ("cold_chain",)),
    OrganisationRow(
        "hordafisk", "Fjordlaks Vest ASA", "large_company", "Bergen", ("fish_welfare", "cold_chain")
    ),
    OrganisationRow(
        "hordafisk", "Sjømatlaboratoriet Bergen", "research_centre", "Bergen", ("marine_biomass",)
    ),
    OrganisationRow("nordvind", "Nordvind Cluster AS", "association", "Stavanger", ("services",)),
    OrganisationRow("nordvind", "Vindservice Rogaland AS", "sme", "Stavanger", ("offshore_ops",)),
    OrganisationRow("nordvind", "Flytevind Engineering AS", "sme", "Stavanger", ("floating_wind",)),
    OrganisationRow("nordvind", "Bladeteknikk AS", "sme", "Haugesund", ("blade_repair",)),
    OrganisationRow("nordvind", "Hydrogen Sola AS", "sme", "Sola", ("hydrogen",)),
    OrganisationRow(
        "nordvind", "Nordsjø Energi ASA", "large_company", "Stavanger", ("offshore_ops", "hydrogen")
    ),
    OrganisationRow(
        "nordvind", "Rogaland Energy Research Centre", "research_centre", "Stavanger", ("floating_wind",)
    ),
    OrganisationRow("siddis", "Siddis Smart Care Association", "association", "Stavanger", ("services",)),
    OrganisationRow("siddis", "Trygghjem AS", "sme", "Sandnes", ("fall_detection",)),
    OrganisationRow("siddis", "Telepleie AS", "sme", "Stavanger", ("remote_care",)),
    OrganisationRow("siddis", "Sandnes Omsorgslab", "research_centre", "Sandnes", ("living_lab",)),
    OrganisationRow(
        "siddis", "Helsevest Klinisk Forskning", "research_centre", "Stavanger", ("clinical_validation",)
    ),
    OrganisationRow(
        "siddis", "Stavanger Helseteknologi AS", "sme", "Stavanger", ("remote_care", "fall_detection")
    ),
    OrganisationRow(
        "siddis", "Rogaland University College of Health", "university", "Stavanger", ("living_lab",)
    ),
)

ROLES = {
    "sme": (
        "CEO",
        "Innovation manager",
        "R&D engineer",
        "Production manager",
        "Sustainability lead",
        "Business development manager",
        "Product developer",
        "Export manager",
    ),
    "large_company": ("Open innovation lead", "Head of procurement", "Engineering manager", "R&D director"),
    "research_centre": ("Senior researcher", "Project manager", "Head of laboratory", "Research engineer"),
    "university": ("Associate professor", "Postdoctoral researcher", "Technology transfer officer"),
    "association": ("Project officer", "Internationalisation manager", "Innovation advisor"),
}

# First names and surnames by cluster region, so that a Norwegian cluster is full of Norwegian names.
FIRST_NAMES = {
    "Catalonia": (
        "Jordi", "Montserrat", "Núria", "Pere", "Oriol", "Mireia", "Carme", "Xavier",
        "Marc", "Anna", "Joan", "Roser", "Albert", "Gemma", "Sergi", "Clara", "Meritxell", "Quim",
    ),
    "Valencia": (
        "Vicent", "Amparo", "Josep", "Lucía", "Carlos", "Rosa", "Francisco", "Elena",
        "Rafael", "Pilar", "Salvador", "Inmaculada", "Javier", "Consuelo", "Andrés", "Empar",
    ),
    "France": (
        "Julien", "Sophie", "Mathieu", "Camille", "Nicolas", "Émilie", "Antoine", "Léa", "Thomas",
        "Isabelle", "Guillaume", "Manon", "Pierre", "Aurélie", "Benoît", "Hélène", "Romain", "Céline",
    ),
    "Portugal": (
        "João", "Ana", "Rui", "Mariana", "Tiago", "Catarina", "Pedro", "Sofia",
        "Miguel", "Beatriz", "Nuno", "Joana", "Ricardo", "Helena", "Duarte", "Filipa",
    ),
    "Norway": (
        "Ole", "Ingrid", "Lars", "Silje", "Eirik", "Marit", "Håkon", "Solveig", "Anders", "Ragnhild",
        "Torbjørn", "Hilde", "Sindre", "Astrid", "Magnus", "Liv", "Espen", "Tone", "Øyvind", "Sigrid",
    ),
}  # fmt: skip
SURNAMES = {
    "Catalonia": (
        "Vila", "Soler", "Ferrer", "Casas", "Pujol", "Roca", "Font", "Vidal", "Bosch",
        "Sala", "Riera", "Mas", "Camps", "Rovira", "Vendrell", "Prat", "Guasch", "Codina",
    ),
    "Valencia": (
        "García", "Ferrándiz", "Belda", "Sanchis", "Moltó", "Calabuig", "Boluda", "Revert",
        "Tormo", "Vañó", "Jordá", "Pastor", "Llopis", "Mira", "Francés", "Insa",
    ),
    "France": (
        "Girard", "Moreau", "Fontaine", "Rousseau", "Bernard", "Chevalier", "Lambert", "Faure",
        "Mercier", "Blanc", "Garnier", "Perrin", "Roux", "Dumas", "Bonnet", "Masson", "Guérin",
        "Lefèvre", "Barbier", "Renaud",
    ),
    "Portugal": (
        "Ferreira", "Oliveira", "Costa", "Martins", "Sousa", "Gonçalves", "Pereira", "Ribeiro",
        "Lopes", "Mendes", "Araújo", "Machado", "Freitas", "Teixeira", "Fernandes", "Pinto",
    ),
    "Norway": (
        "Haugland", "Nygård", "Vik", "Berge", "Dale", "Tveit", "Lunde", "Hovland", "Skjold",
        "Strand", "Eide", "Aasen", "Bakke", "Fjeld", "Rønning", "Myhre", "Sæther", "Helland", "Larsen",
    ),
}  # fmt: skip

LANGUAGES = {
    "Catalonia": ("ca", "es", "en"),
    "Valencia": ("es", "ca", "en"),
    "France": ("fr", "en"),
    "Portugal": ("pt", "en", "es"),
    "Norway": ("no", "en"),
}
EXTRA_LANGUAGES = ("fr", "de", "it", "es", "en")

BIOS = (
    "{role} at {organisation} in {city}. {years} years in {field}; likes projects that start with a "
    "factory visit.",
    "Works on {field} at {organisation} ({city}). Interested in cross-regional projects and happy to "
    "host visiting delegations.",
    "{years} years in {sector}, now {role_lower} at {organisation}, {city}. Looking for partners in "
    "other clusters to bring {field} into new markets.",
    "Based in {city}. Leads {field} work at {organisation} and joins B2B sessions at the big trade "
    "fairs every year.",
)

# People the demo tour and its tests refer to by name.
DEMO_MEMBER_NAME = "Marta Puig"
DEMO_RECYCLER_NAME = "Arnau Ribas"
FEATURED_MEMBERS = (
    FeaturedMember(
        "Teixits Vallès SL",
        DEMO_MEMBER_NAME,
        "Innovation manager",
        "Innovation manager at Teixits Vallès in Sabadell. Runs the company's EU projects and the "
        "move to recycled polyester; coordinates TEXCAT's working group on digitalisation.",
        "recycled-polyester finishing trials and a digital product passport pilot to share",
        "a partner for smart-textile sensors and a robotics integrator for the cutting room",
        ("digitalisation", "smart textiles", "finishing", "digital product passport"),
        True,
    ),
    FeaturedMember(
        "Refil Reciclatge Tèxtil SL",
        DEMO_RECYCLER_NAME,
        "R&D manager",
        "Chemical engineer; built Refil's pilot line that turns worn garments into new yarn. Hosts "
        "visits to the sorting and shredding plant in Terrassa.",
        "textile recycling: post-consumer garments and cutting off-cuts turned into recycled cotton "
        "and polyester fibre",
        "spinners and weavers who want to try recycled fibre, and buyers of sorted textile waste",
        ("recycling", "textile recycling", "circular economy", "recycled fibres"),
        False,
    ),
    FeaturedMember(
        "TEXCAT Cluster Association",
        "Laia Serra",
        "Cluster manager",
        "Manages the TEXCAT cluster; organises learning visits to partner clusters in France, "
        "Portugal and Norway and the ClusterXchange staff exchanges.",
        "introductions to 120 Catalan textile companies and help with EU proposals",
        "partner clusters for learning visits and ClusterXchange staff exchanges",
        ("cluster management", "internationalisation", "staff exchange"),
        True,
    ),
    FeaturedMember(
        "Avetex Associação",
        "Inês Carvalho",
        "Cluster manager",
        "Runs the Avetex cluster in Guimarães; keen on digital product passports for the Norte "
        "apparel makers and on joint stands at trade fairs.",
        "access to 80 apparel and denim makers in Norte and joint trade-fair stands",
        "partners for a digital product passport pilot and textile recyclers",
        ("cluster management", "digitalisation", "trade fairs"),
        True,
    ),
    FeaturedMember(
        "Nordvind Cluster AS",
        "Kari Solheim",
        "Cluster manager",
        "Leads the Nordvind offshore wind cluster in Stavanger; connects operators with suppliers "
        "from other sectors, textiles and polymers included.",
        "introductions to offshore wind operators and their supplier days",
        "suppliers of ropes, composites and workwear from other European clusters",
        ("offshore wind", "cluster management", "supply chain"),
        True,
    ),
)

EVENTS = (
    EventRow(
        "texcat", "meeting", "Partnership coordinators' call: joint roadmap for next year", "", "Online",
        3, "16:00", 1.0, None, ("cluster management", "roadmap"),
        "The cluster managers of the partnership agree the joint roadmap: learning visits, B2B sessions "
        "and ClusterXchange staff exchanges for the coming year.",
    ),
    EventRow(
        "texcat", "webinar", "Digital product passports for textiles: what SMEs must prepare", "", "Online",
        6, "10:00", 1.5, None, ("digitalisation", "digital product passport", "traceability"),
        "What the new EU rules ask of textile makers, with two SMEs that already run a pilot.",
    ),
    EventRow(
        "texcat", "webinar", "ClusterXchange info session: staff exchanges between partner clusters", "",
        "Online", 8, "12:00", 1.0, None, ("staff exchange", "clusterxchange"),
        "How a two-week staff exchange works, who pays for travel, and which partner clusters host.",
    ),
    EventRow(
        "texcat", "training", "Lab visit: recycled-polyester dyeing on the pilot line", "Sabadell",
        "Teixits Vallès pilot plant", 12, "09:30", 3.0, 3, ("finishing", "dyeing", "recycled polyester"),
        "A small hands-on session on the dyeing pilot line; three seats only because of the machine.",
    ),
    EventRow(
        "texcat", "b2b_session", "B2B session: circular textiles meet polymers (TEXCAT × Plastivallée)",
        "Terrassa", "Institut Tèxtil de Terrassa", 17, "15:00", 3.0, 40,
        ("recycling", "circular economy", "polymers"),
        "Twenty-minute one-to-one meetings between textile makers and polymer recyclers and compounders.",
    ),
    EventRow(
        "texcat", "learning_visit", "Learning visit to Norte: denim, small-batch apparel and natural dyes",
        "Guimarães", "Avetex Associação", 24, "09:00", 32.0, 15, ("learning visit", "apparel", "denim"),
        "Two days of factory visits in the Vale do Ave with B2B meetings between the two delegations.",
    ),
    EventRow(
        "valtex", "webinar", "PFAS-free water repellency: alternatives that pass the tests", "", "Online",
        20, "11:00", 1.0, None, ("coating", "pfas-free"),
        "Lab results of five PFAS-free finishes after washing and abrasion, and what buyers accept.",
    ),
    EventRow(
        "valtex", "trade_fair", "Hábitat Textil Levante home textiles fair", "Valencia", "Feria Valencia",
        45, "10:00", 55.0, None, ("home textiles", "trade fair"),
        "The Valtex joint stand hosts members; book B2B slots with contract buyers through the cluster.",
    ),
    EventRow(
        "fibralp", "meeting", "Fibralp members' meeting: smart textiles roadmap", "Lyon",
        "Institut Lyonnais des Fibres", 9, "14:00", 2.0, 60, ("smart textiles", "roadmap"),
        "Members vote the priorities of the smart textiles working group for next year.",
    ),
    EventRow(
        "fibralp", "learning_visit", "Smart textiles tour of Lyon: sensor weaving and medical textiles",
        "Lyon", "Sensitex SAS", 38, "09:00", 8.0, 20,
        ("smart textiles", "medical textiles", "learning visit"),
        "Visits to a sensor-weaving line and a compression-garment workshop, then B2B meetings.",
    ),
    EventRow(
        "plastivallee", "training", "Design for recycling of plastic and textile parts", "Oyonnax",
        "École des Plastiques de l'Ain", 27, "09:00", 7.0, 25, ("recycling", "eco-design", "polymers"),
        "One day on material choices, labels and joints that let a product be recycled at end of life.",
    ),
    EventRow(
        "plastivallee", "b2b_session", "Bio-based polymers for fibres: B2B with textile buyers", "Lyon",
        "Arvéo Chimie innovation centre", 52, "14:00", 4.0, 30, ("biopolymers", "textiles", "b2b"),
        "Compounders of PLA and PHA meet spinners and weavers from Fibralp, TEXCAT and Avetex.",
    ),
    EventRow(
        "ligeris", "webinar", "Digital twins for small factories: three case studies", "", "Online",
        14, "10:30", 1.0, None, ("digitalisation", "digital twin", "industry 4.0"),
        "Three SMEs show what their digital twin cost, what it saved and what they would do differently.",
    ),
    EventRow(
        "ligeris", "trade_fair", "Atlantic Industry Days", "Nantes", "Parc des Expositions de la Beaujoire",
        60, "09:00", 32.0, None, ("advanced manufacturing", "robotics", "trade fair"),
        "The Ligéris pavilion gathers robotics, composites and additive manufacturing members.",
    ),
    EventRow(
        "avetex", "meeting", "Avetex sustainability forum", "Porto", "Alfândega do Porto", 35, "09:30", 6.0,
        120, ("sustainability", "circular economy", "apparel"),
        "Brands, makers and recyclers of the Norte region on textile waste rules and recycled fibres.",
    ),
    EventRow(
        "avetex", "training", "Digital product passport in practice: tags, data and suppliers", "Braga",
        "Centro Tecnológico Têxtil do Minho", 66, "14:00", 4.0, 20,
        ("digitalisation", "digital product passport", "traceability"),
        "A practical afternoon: which data to collect from suppliers and how to tag garments.",
    ),
    EventRow(
        "vestsjo", "webinar", "Ocean data for offshore operations: from forecasts to decisions", "", "Online",
        11, "09:00", 1.0, None, ("ocean data", "offshore wind", "digitalisation"),
        "How wave and current forecasts plan vessel trips for aquaculture and offshore wind.",
    ),
    EventRow(
        "vestsjo", "learning_visit", "Subsea test site visit in Bergen", "Bergen",
        "Havforskningssenteret Vest", 47, "10:00", 5.0, 12, ("subsea", "biofouling", "learning visit"),
        "See materials after a year in the fjord and meet the teams that test sensors and coatings.",
    ),
    EventRow(
        "hordafisk", "b2b_session", "Seafood side-streams as raw materials: B2B with material makers",
        "Bergen", "Hordafisk Cluster", 29, "13:00", 3.0, 30, ("side-streams", "biomaterials", "packaging"),
        "Collagen, chitosan and fish oils for new materials; polymer and textile clusters are invited.",
    ),
    EventRow(
        "hordafisk", "meeting", "Fish welfare monitoring working group", "Bergen", "Laksesyn AS", 55, "10:00",
        2.0, None, ("fish welfare", "aquaculture", "machine vision"),
        "Members compare camera systems and agree a shared data format for welfare indicators.",
    ),
    EventRow(
        "nordvind", "training", "Blade leading-edge repair: composite techniques", "Haugesund",
        "Bladeteknikk workshop", 40, "08:30", 7.0, 10, ("blades", "composites", "repair"),
        "Hands-on repair of leading-edge erosion on real blade sections; protective gear provided.",
    ),
    EventRow(
        "nordvind", "trade_fair", "North Sea Offshore Wind Expo", "Stavanger", "Stavanger Forum", 73, "09:00",
        56.0, None, ("offshore wind", "trade fair", "supply chain"),
        "The Nordvind stand hosts partner clusters; suppliers from textiles and polymers are welcome.",
    ),
    EventRow(
        "nordvind", "b2b_session",
        "Cross-cluster B2B: textiles and polymers for offshore wind and aquaculture",
        "Stavanger", "Stavanger Forum", 74, "14:00", 3.0, 50, ("offshore wind", "ropes", "workwear"),
        "Operators meet makers of ropes, coatings, composites and workwear from the partner clusters.",
    ),
    EventRow(
        "siddis", "learning_visit", "Living lab visit: smart care homes in Sandnes", "Sandnes",
        "Sandnes Omsorgslab", 19, "10:00", 4.0, 18, ("living lab", "smart care", "learning visit"),
        "Walk through a care home where residents test sensors and smart garments with their carers.",
    ),
    EventRow(
        "siddis", "webinar", "Smart garments for elderly care: what clinicians need", "", "Online", 33,
        "15:00", 1.0, None, ("smart textiles", "smart care", "health"),
        "Clinicians from Stavanger explain what a smart garment must measure to be useful at home.",
    ),
)  # fmt: skip

# The events the demo member has said "going" to.
DEMO_MEMBER_EVENTS = (
    "B2B session: circular textiles meet polymers (TEXCAT × Plastivallée)",
    "Learning visit to Norte: denim, small-batch apparel and natural dyes",
)
EVENT_CITY_ZONES = {
    "Sabadell": "Europe/Madrid",
    "Terrassa": "Europe/Madrid",
    "Valencia": "Europe/Madrid",
    "Lyon": "Europe/Paris",
    "Oyonnax": "Europe/Paris",
    "Nantes": "Europe/Paris",
    "Guimarães": "Europe/Lisbon",
    "Porto": "Europe/Lisbon",
    "Braga": "Europe/Lisbon",
    "Bergen": "Europe/Oslo",
    "Haugesund": "Europe/Oslo",
    "Stavanger": "Europe/Oslo",
    "Sandnes": "Europe/Oslo",
}

OPPORTUNITIES = (
    OpportunityRow(
        "texcat", "funding_call", "Regional call for circular textile pilots (up to €150,000)",
        "Grants for SMEs in Catalonia that pilot textile recycling, eco-design or recycled fibres "
        "with at least one partner.", ("recycling", "circular economy", "funding"), 40, "",
        "https://ajuts-industria.example/circular-textile-pilots",
    ),
    OpportunityRow(
        "texcat", "staff_exchange", "ClusterXchange: host a TEXCAT cluster manager for two weeks",
        "A ClusterXchange-style staff exchange: a TEXCAT project manager spends two weeks with your "
        "cluster to learn your services; travel is covered.", ("staff exchange", "clusterxchange"), 30,
        "Europe", "",
    ),
    OpportunityRow(
        "texcat", "partner_search", "Partner search: smart-textile sensors for a hospital bedding pilot",
        "Teixits Vallès looks for a smart-textile sensor partner and a living lab to test bedding that "
        "detects restless nights.", ("smart textiles", "health", "sensors"), 50, "", "",
    ),
    OpportunityRow(
        "texcat", "offer", "Free trial runs on our recycled-polyester dyeing pilot line",
        "Bring 20 m of fabric; we dye and finish it and share the lab results.",
        ("recycling", "dyeing", "finishing"), None, "", "",
    ),
    OpportunityRow(
        "texcat", "request", "Request: 2 tonnes a month of sorted post-consumer cotton",
        "Refil needs sorted cotton waste from collectors or brands for its recycling line.",
        ("recycling", "textile recycling", "cotton"), 60, "", "",
    ),
    OpportunityRow(
        "valtex", "tender", "Tender: flame-retardant curtains for a hotel renovation",
        "A hotel group renovates 900 rooms on the coast and asks for certified flame-retardant curtains.",
        ("flame retardant", "contract", "home textiles"), 25, "", "",
    ),
    OpportunityRow(
        "valtex", "funding_call", "Digitalisation vouchers for textile SMEs in Valencia",
        "Up to 70% of the cost of digitalisation projects: ERP, traceability, digital twins.",
        ("digitalisation", "funding"), 35, "", "https://ayudas-digitalizacion.example/textil",
    ),
    OpportunityRow(
        "valtex", "partner_search", "Partner search: PFAS-free coatings consortium for Horizon Europe",
        "Recubrimientos Serpis builds a consortium on PFAS-free repellent finishes; looking for a polymer "
        "lab and an end user in outdoor or marine.", ("coating", "pfas-free", "horizon europe"), 55, "Europe",
        "",
    ),
    OpportunityRow(
        "fibralp", "partner_search", "Offshore wind operators wanted to test sensor-equipped mooring ropes",
        "Cordages Rhodaniens and Sensitex have a rope that reports its own strain; they need a site at sea.",
        ("offshore wind", "smart textiles", "ropes"), 45, "", "",
    ),
    OpportunityRow(
        "fibralp", "staff_exchange", "ClusterXchange: one week in a Norwegian smart care cluster",
        "Fibralp sends a project officer to learn how living labs are run with municipalities.",
        ("staff exchange", "clusterxchange", "health"), 28, "Europe", "",
    ),
    OpportunityRow(
        "fibralp", "offer", "Open lab days: prototyping smart-textile sensors",
        "The Institut Lyonnais des Fibres opens its weaving lab one Friday a month to partner SMEs.",
        ("smart textiles", "prototyping"), None, "", "",
    ),
    OpportunityRow(
        "plastivallee", "funding_call", "Horizon Europe: circular plastics and textile-to-textile recycling",
        "Collaborative research and innovation actions on sorting, recycling and recycled content in "
        "plastics and textiles.", ("recycling", "horizon europe", "funding"), 80, "Europe",
        "https://eu-calls.example/circular-plastics-textiles",
    ),
    OpportunityRow(
        "plastivallee", "request", "Request: fibre-grade recycled PET from textile waste",
        "Arvéo Chimie looks for suppliers of recycled PET flakes from textile waste for fibre spinning.",
        ("recycling", "pet", "textiles"), 50, "", "",
    ),
    OpportunityRow(
        "plastivallee", "offer", "Salt-fog and UV ageing slots available for marine parts",
        "Free slots in our climatic chambers next month; priority to partners from ocean clusters.",
        ("testing", "ageing", "marine"), None, "", "",
    ),
    OpportunityRow(
        "ligeris", "funding_call", "Industry 4.0 support: robotics for SMEs in Pays de la Loire",
        "Regional support for the first robot or cobot in an SME, with an engineering diagnosis.",
        ("robotics", "industry 4.0", "digitalisation"), 42, "", "https://aides-industrie.example/robotique",
    ),
    OpportunityRow(
        "ligeris", "partner_search", "Digital twin demonstrator: looking for a textile factory",
        "Twinéo will build a digital twin of one textile line for free as a demonstrator.",
        ("digitalisation", "digital twin", "textiles"), 70, "Europe", "",
    ),
    OpportunityRow(
        "ligeris", "tender", "Tender: cobot integration for a cutting room in Cholet",
        "A footwear and textile maker wants two cobots to feed its cutting tables.",
        ("robotics", "automation"), 21, "", "",
    ),
    OpportunityRow(
        "avetex", "partner_search", "Partner search: digital product passport pilot for 10 apparel SMEs",
        "Avetex seeks a technology partner and a cluster with experience in traceability pilots.",
        ("digitalisation", "digital product passport", "traceability"), 38, "", "",
    ),
    OpportunityRow(
        "avetex", "staff_exchange", "ClusterXchange: staff exchange between Norte and Catalonia",
        "Two weeks in each cluster for one staff member, to set up joint services on recycling.",
        ("staff exchange", "clusterxchange", "recycling"), 33, "Europe", "",
    ),
    OpportunityRow(
        "avetex", "request", "Request: recycled fibres for a denim capsule collection",
        "Denim Cávado needs recycled cotton fibre blends for a capsule of 3,000 pairs.",
        ("recycling", "denim", "recycled fibres"), 47, "", "",
    ),
    OpportunityRow(
        "vestsjo", "partner_search", "Anti-fouling textiles for aquaculture nets: partners wanted",
        "Havforskningssenteret Vest tests net materials in the fjord and looks for textile and coating "
        "makers.", ("biofouling", "textiles", "aquaculture"), 52, "", "",
    ),
    OpportunityRow(
        "vestsjo", "funding_call", "Ocean digitalisation innovation projects",
        "National support for companies that bring data and digital tools to ocean industries.",
        ("digitalisation", "ocean data", "funding"), 65, "", "https://forskning-hav.example/digital-ocean",
    ),
    OpportunityRow(
        "hordafisk", "request", "Request: bio-based packaging for fresh salmon exports",
        "Fjordlaks Vest wants to replace polystyrene boxes; looking for bio-based polymer partners.",
        ("biopolymers", "packaging", "seafood"), 40, "", "",
    ),
    OpportunityRow(
        "hordafisk", "offer", "Fish-skin collagen and chitosan available for material trials",
        "Marinbio Vest ships free samples to partners who test marine biomaterials in fibres or films.",
        ("side-streams", "biomaterials"), None, "", "",
    ),
    OpportunityRow(
        "nordvind", "funding_call", "Innovation Fund: offshore wind supply chain pilots",
        "European support for first-of-a-kind manufacturing for offshore wind, including materials.",
        ("offshore wind", "funding", "supply chain"), 85, "Europe",
        "https://eu-calls.example/offshore-wind-supply-chain",
    ),
    OpportunityRow(
        "nordvind", "tender", "Tender: flame-retardant workwear for 400 offshore technicians",
        "Three-year framework for certified flame-retardant and high-visibility workwear.",
        ("workwear", "offshore wind", "flame retardant"), 30, "", "",
    ),
    OpportunityRow(
        "nordvind", "partner_search", "Floating offshore wind: partners for textile-reinforced mooring lines",
        "Flytevind Engineering looks for rope and technical textile makers for a mooring pilot.",
        ("floating wind", "ropes", "technical textiles"), 58, "Europe", "",
    ),
    OpportunityRow(
        "siddis", "partner_search", "Smart garments for fall prevention: pilot with three municipalities",
        "Trygghjem looks for a smart-textile maker to pair its fall-detection sensors with garments.",
        ("smart textiles", "smart care", "sensors"), 44, "", "",
    ),
    OpportunityRow(
        "siddis", "offer", "Living lab slots for testing wearables with elderly users",
        "Sandnes Omsorgslab offers test periods with residents and carers, ethics approval included.",
        ("living lab", "health", "user testing"), None, "", "",
    ),
)  # fmt: skip

# What came of some contacts, so that a coordinator's report has outcomes to show: a proposal both
# partners told (it counts once), an agreement, and a staff exchange that took place.
OUTCOMES = (
    OutcomeRow(
        DEMO_MEMBER_NAME, "Inês Carvalho", "proposal", "Digital product passport pilot for 10 apparel SMEs",
        "Partner search: digital product passport pilot for 10 apparel SMEs", 20,
    ),
    OutcomeRow(DEMO_MEMBER_NAME, "Inês Carvalho", "discussion", "", "", 60),
    OutcomeRow("Inês Carvalho", DEMO_MEMBER_NAME, "proposal", "", "", 18),
    OutcomeRow(
        DEMO_RECYCLER_NAME, "Kari Solheim", "agreement", "MoU: recycled fibre from worn offshore workwear",
        "", 12,
    ),
)  # fmt: skip
EXCHANGES = (ExchangeRow("Laia Serra", "avetex", -30, 10, "done"),)
