"""A seeded, streamed, national-size synthetic graph in the project's own model.

    generate(100_000, "out/100k", seed=42)  ->  out/100k/kg.nq + out/100k/synth-info.json

Why: the real graph is ~11k quads; questions, views, search and validation must keep working at
the size a national version would reach. The output uses our ontology (copied in from
ontology/*.ttl), our claim patterns (docs/design.md §4) and the derived edges the build adds
(§5), so every saved question and `*-violation` check runs on it unchanged.

Shape, measured on the real build (SPARQL over compile_dataset(), Nov 2026):
  claims per report ~120; claim classes Observation 50 %, Statement 38 %, Conferral 7 %,
  CompetitionResult 3 %, Partnership 2 %, Membership <1 % (we model each group with a lead and
  several members instead: the reports count members, "成员单位217家", without naming them);
  observations: ~60 % about a prefecture city, ~10 % about the province, the rest about
  colleges, groups and platforms; ~24 % carry a qualifier; ~60 % of claims carry an sk:note;
  partnerships have 2–4 parties (mostly 2); entities have 1 zh + 1 en label, ~1 in 7 an altLabel.

Sizing: the unit of generation is one synthetic *report* (one named graph, ~100 claims, ~1.5k
quads) about one prefecture city. Reports go round-robin over the cities (Shandong's 16 real ones
first, then up to ~330 synthetic ones in the other provinces), so bigger graphs get both more
places and denser cities. Generation stops once the running quad count reaches the target.

Streaming: quads go straight to disk (kg.synth_write); only entity IRIs and labels are kept, to
refer back to them and to keep Chinese labels unique (the duplicate-label check demands it).
Deterministic: one random.Random(seed), no set/dict iteration order in the output.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from kg import paths
from kg.errors import KgError
from kg.io import read_text
from kg.namespaces import C, DCTERMS, E, IND, ORG, PROV, RDF, RDFS, SK, SKOS, SRC, V
from kg.synth_names import (BRANDS, COLLEGE_KINDS, FIELDS, GIVEN, GROUP_KINDS, INDUSTRIES, NOTES,
                            PERIOD_LABELS, PLATFORM_KINDS, PROVINCES, RESULTS, SHANDONG, SHANDONG_CITIES,
                            SKILLS, SURNAMES, SYLLABLES)
from kg.synth_write import QuadWriter, en, integer, iri, plain, typed, zh

QUADS_PER_REPORT = 1500  # measured: used only to decide how many cities a target size gets
CITIES_PER_PROVINCE = (8, 14)
MAX_QUOTE = 80

A = iri(str(RDF.type))
LABEL, ALT = iri(str(RDFS.label)), iri(str(SKOS.altLabel))
INVOLVES = iri(str(SK.involves))

# Observation indicators with their real frequency (weight), unit and what `sk:concerning` points
# to when the indicator is generic ("honour" = an honour title, "designation", "class:X").
INDICATORS = [
    ("honour-holder-count", 36, "unit-person", "honour"), ("platform-count", 34, "unit-item", "designation"),
    ("college-count", 18, "unit-organization", "class:TechnicianCollege"),
    ("competition-count", 17, "unit-item", None), ("subsidy-amount", 15, "unit-yuan", None),
    ("trainees", 10, "unit-person", None), ("leading-talent-count", 10, "unit-person", None),
    ("medal-count", 9, "unit-medal", None), ("training-volume", 9, "unit-person-time", None),
    ("skilled-talent-total", 9, "unit-person", None), ("high-skilled-talent-total", 9, "unit-person", None),
    ("facility-count", 8, "unit-item", None), ("speciality-count", 8, "unit-item", None),
    ("assessed-talent", 6, "unit-person", None), ("competition-participants", 6, "unit-person-time", None),
    ("teacher-count", 6, "unit-person", None), ("enrolled-students", 5, "unit-person", None),
    ("new-skilled-talent", 5, "unit-person", None), ("enterprise-count", 4, "unit-organization", None),
]
UNIT_WORD = {"unit-person": "人", "unit-item": "个", "unit-organization": "家", "unit-yuan": "万元",
             "unit-person-time": "人次", "unit-medal": "枚"}
QUALIFIERS = ["more-than", "more-than", "nearly", "about"]
PK_KINDS = ["pk-co-built", "pk-co-built", "pk-order-class", "pk-joint-training", "pk-deep-cooperation",
            "pk-pairing", "pk-partnership", "pk-joint-event"]
MEDALS = ["medal-gold", "medal-silver", "medal-bronze", "medal-excellence"]


def e(slug: str) -> str:
    return iri(str(E[slug]))


def sk(name: str) -> str:
    return iri(str(SK[name]))


def v(name: str) -> str:
    return iri(str(V[name]))


@dataclass
class Ent:
    iri: str  # formatted <...>
    zh: str
    cls: str


@dataclass
class City:
    ent: Ent
    short: str
    en: str
    province: "Province"
    counties: list[Ent] = field(default_factory=list)
    bureau: Ent | None = None
    honours: list[Ent] = field(default_factory=list)
    colleges: list[Ent] = field(default_factory=list)
    enterprises: list[Ent] = field(default_factory=list)
    persons: list[Ent] = field(default_factory=list)
    reports: int = 0


@dataclass
class Province:
    ent: Ent
    short: str
    en: str
    dept: Ent | None = None
    honours: list[Ent] = field(default_factory=list)
    editions: list[Ent] = field(default_factory=list)


class Report:
    """One synthetic source document = one named graph; claims get serials c:sNNNNNN-KKK."""

    def __init__(self, gen: "Synth", number: int, title_zh: str, title_en: str, author: Ent):
        self.gen, self.id = gen, f"s{number:06d}"
        self.g = iri(str(SRC[self.id]))
        self.serial = 0
        self.derived: set[tuple[str, str, str]] = set()  # dedupe truthy edges within this graph
        w = gen.w
        self.articles = [iri(str(SRC[f"{self.id}-a{k}"])) for k in (1, 2)]
        w.quad(self.g, A, sk("SourceDocument"))
        w.quad(self.g, LABEL, zh(f"合成报告{self.id}：{title_zh}"))
        w.quad(self.g, LABEL, en(f"Synthetic report {self.id}: {title_en}"))
        w.quad(self.g, sk("fileName"), plain(f"synth-{self.id}.txt"))
        for k, art in enumerate(self.articles, 1):
            w.quad(self.g, iri(str(DCTERMS.hasPart)), art)
            w.quad(art, A, sk("Article"))
            w.quad(art, iri(str(DCTERMS.isPartOf)), self.g)
            w.quad(art, iri(str(DCTERMS.title)), zh(f"{title_zh}（{k}）"))
            w.quad(art, iri(str(DCTERMS.creator)), zh(author.zh))
            w.quad(art, sk("authorAgent"), author.iri)

    def claim(self, cls: str, props: list[tuple[str, str]], quote: str, derived=()) -> str:
        """Write one claim node, its provenance, `sk:involves` and the given truthy edges."""
        gen, w, g = self.gen, self.gen.w, self.g
        self.serial += 1
        c = iri(f"{C}{self.id}-{self.serial:03d}")
        w.quad(c, A, sk(cls), g)
        involved: list[str] = []
        for p, o in props:
            w.quad(c, p, o, g)
            if o.startswith(gen.e_prefix) and o not in involved:
                involved.append(o)
        w.quad(c, sk("quote"), zh(quote[:MAX_QUOTE]), g)
        w.quad(c, sk("article"), self.articles[self.serial % 2], g)
        if gen.rng.random() < 0.6:
            w.quad(c, sk("note"), en(gen.rng.choice(NOTES)), g)
        w.quad(c, iri(str(PROV.wasDerivedFrom)), g, g)
        for x in involved:
            w.quad(c, INVOLVES, x, g)
        for t in derived:
            if t not in self.derived:
                self.derived.add(t)
                w.quad(*t, g)
        gen.claims[cls] = gen.claims.get(cls, 0) + 1
        return c

    def statement(self, s: Ent, prop: str, o: str, quote: str, date: str | None = None) -> None:
        props = [(sk("subject"), s.iri), (sk("property"), sk(prop))]
        props.append((sk("object") if o.startswith("<") else sk("objectValue"), o))
        if date:
            props.append((sk("date"), typed(date, "gYear")))
        self.claim("Statement", props, quote, [(s.iri, sk(prop), o)])


class Synth:
    def __init__(self, writer: QuadWriter, seed: int, target: int):
        self.w, self.rng, self.target = writer, random.Random(seed), target
        self.e_prefix = "<" + str(E)
        self.labels: set[str] = set()
        self.slugs: set[str] = set()
        self.entities: dict[str, int] = {}
        self.claims: dict[str, int] = {}
        self.reports = 0
        self.all_enterprises: list[Ent] = []
        self.samples: dict[str, str] = {}

    # ------------------------------------------------------------------ registry
    def entity(self, slug: str, cls: str, zh_label: str, en_label: str, alt: str | None = None) -> Ent:
        """Register an entity in the default graph with unique slug and Chinese label."""
        base, n = slug, 1
        while slug in self.slugs:
            n += 1
            slug = f"{base}-{n}"
        self.slugs.add(slug)
        base_zh, n = zh_label, 1
        while zh_label in self.labels or (alt and alt in self.labels):
            n += 1
            zh_label, alt = f"{base_zh}{n}号", None
        en_label = en_label if n == 1 else f"{en_label} No. {n}"
        self.labels.add(zh_label)
        ent = Ent(e(slug), zh_label, cls)
        self.w.quad(ent.iri, A, sk(cls))
        self.w.quad(ent.iri, LABEL, zh(zh_label))
        self.w.quad(ent.iri, LABEL, en(en_label))
        if alt:
            self.labels.add(alt)
            self.w.quad(ent.iri, ALT, zh(alt))
        self.entities[cls] = self.entities.get(cls, 0) + 1
        return ent

    def new_report(self, title_zh: str, title_en: str, author: Ent) -> Report:
        self.reports += 1
        return Report(self, self.reports, title_zh, title_en, author)

    # ------------------------------------------------------------------ geography
    def plan_cities(self) -> list[tuple[str, str, str, tuple]]:
        """(slug, zh, en, province) for as many cities as the target size supports."""
        wanted = max(1, self.target // QUADS_PER_REPORT)
        out = [(s, z, n, SHANDONG) for s, z, n in SHANDONG_CITIES]
        for prov in PROVINCES:
            if len(out) >= wanted:
                break
            for _ in range(self.rng.randint(*CITIES_PER_PROVINCE)):
                (c1, p1), (c2, p2) = self.rng.sample(SYLLABLES, 2)
                out.append((f"{p1}{p2}", f"{c1}{c2}市", f"{p1}{p2}".capitalize(), prov))
        return out[:max(wanted, 1)]

    def province(self, spec: tuple, cache: dict) -> Province:
        if spec[0] in cache:
            return cache[spec[0]]
        slug, zh_l, en_l = spec
        short = zh_l.rstrip("省市").replace("自治区", "")
        ent = self.entity(slug, "Province", zh_l, en_l if slug != "shandong" else "Shandong Province")
        p = Province(ent, short, en_l)
        cache[slug] = p
        p.dept = self.entity(f"{slug}-hrss-department", "GovernmentAgency", f"{zh_l}人力资源和社会保障厅",
                             f"{en_l} Department of Human Resources and Social Security")
        r = self.new_report(f"{zh_l}技能人才工作综述", f"{en_l} skilled-talent overview", p.dept)
        r.statement(p.dept, "locatedIn", p.ent.iri, f"{zh_l}人力资源和社会保障厅")
        hon = [("chief-technician", "首席技师", "Chief Technician"), ("craftsman", "工匠", "Craftsman")]
        for k, (hs, hz, he) in enumerate(hon):
            slug_h = "honour-qilu-chief-technician" if slug == "shandong" and k == 0 else f"honour-{slug}-{hs}"
            zh_h = "齐鲁首席技师" if slug == "shandong" and k == 0 else f"{short}{hz}"
            h = self.entity(slug_h, "HonourTitle", zh_h, f"{en_l} {he}")
            r.statement(h, "awardingBody", p.dept.iri, f"{p.dept.zh}评选{h.zh}")
            r.statement(h, "level", v("level-provincial"), f"省级{h.zh}")
            p.honours.append(h)
        series = self.entity(f"{slug}-skills-competition", "Competition", f"{zh_l}职业技能大赛",
                             f"{en_l} Vocational Skills Competition")
        r.statement(series, "organizedBy", p.dept.iri, f"{p.dept.zh}主办{series.zh}")
        for k in (1, 2):
            ed = self.entity(f"{slug}-skills-competition-{k}", "CompetitionEdition", f"第{k}届{series.zh}",
                             f"{k}th {en_l} Vocational Skills Competition")
            r.statement(ed, "editionOf", series.iri, ed.zh)
            r.statement(ed, "editionNumber", integer(k), ed.zh)
            r.statement(ed, "eventDate", typed(str(2021 + k), "gYear"), f"{2021 + k}年举办{ed.zh}")
            p.editions.append(ed)
        self.observe(r, p.ent, n=8)
        return p

    def city(self, spec: tuple, provinces: dict) -> City:
        slug, zh_l, en_l, prov_spec = spec
        prov = self.province(prov_spec, provinces)
        short = zh_l[:-1]
        ent = self.entity(slug, "PrefectureCity", zh_l, en_l, alt=short)
        c = City(ent, short, en_l, prov)
        c.bureau = self.entity(f"{slug}-hrss-bureau", "GovernmentAgency", f"{zh_l}人力资源和社会保障局",
                               f"{en_l} Human Resources and Social Security Bureau")
        return c

    # ------------------------------------------------------------------ one report
    def report(self, c: City, national: list[Ent]) -> None:
        rng, first = self.rng, c.reports == 0
        c.reports += 1
        r = self.new_report(f"{c.ent.zh}技能人才报告{c.reports}", f"{c.en} skilled-talent report {c.reports}",
                            c.bureau)
        if first:
            r.statement(c.ent, "partOf", c.province.ent.iri, f"{c.province.ent.zh}{c.ent.zh}")
            r.statement(c.bureau, "locatedIn", c.ent.iri, c.bureau.zh)
            for _ in range(rng.randint(3, 6)):
                (z1, p1), (z2, p2) = rng.sample(SYLLABLES, 2)
                suffix, sen = rng.choice([("县", "County"), ("区", "District")])
                cty = self.entity(f"{p1}{p2}-{sen.lower()}", "CountyLevelDivision", f"{z1}{z2}{suffix}",
                                  f"{(p1 + p2).capitalize()} {sen}")
                r.statement(cty, "partOf", c.ent.iri, f"{c.ent.zh}{cty.zh}")
                c.counties.append(cty)
            h = self.entity(f"honour-{c.ent.iri[len(self.e_prefix):-1]}-technical-expert", "HonourTitle",
                            f"{c.short}技术能手", f"{c.en} Technical Expert")
            r.statement(h, "awardingBody", c.bureau.iri, f"{c.bureau.zh}评选{h.zh}")
            r.statement(h, "level", v("level-municipal"), f"市级{h.zh}")
            c.honours.append(h)
        place = lambda: rng.choice(c.counties) if rng.random() < 0.6 else c.ent  # noqa: E731
        new_colleges = [self.college(r, c, place()) for _ in range(rng.randint(2, 3))]
        new_ents = [self.enterprise(r, c, place()) for _ in range(rng.randint(5, 7))]
        self.group(r, c, new_colleges, new_ents)
        hosts = new_colleges + new_ents
        for _ in range(2):
            self.platform(r, c, rng.choice(hosts))
        persons = [self.person(r, c, rng.choice(hosts)) for _ in range(3)]
        for _ in range(rng.randint(2, 4)):
            self.partnership(r, c)
        for p in persons:
            h = rng.choice(c.honours + c.province.honours)
            r.claim("Conferral", [(sk("recipient"), p.iri), (sk("recognition"), h.iri),
                                  (sk("conferredBy"), c.bureau.iri)],
                    f"{p.zh}获评{h.zh}", [(p.iri, sk("received"), h.iri)])
        for col in new_colleges:
            if rng.random() < 0.5:
                d = rng.choice(national)
                r.claim("Conferral", [(sk("recipient"), col.iri), (sk("recognition"), d.iri),
                                      (sk("batch"), integer(rng.randint(1, 3)))],
                        f"{col.zh}入选{d.zh}", [(col.iri, sk("received"), d.iri)])
        for p in persons[:2]:
            ed = rng.choice(c.province.editions)
            props = [(sk("participant"), p.iri), (sk("competition"), ed.iri),
                     (sk("result"), zh(rng.choice(RESULTS))), (sk("skill"), zh(rng.choice(SKILLS)))]
            if rng.random() < 0.4:
                props.append((sk("medal"), v(rng.choice(MEDALS))))
            r.claim("CompetitionResult", props, f"{p.zh}在{ed.zh}中获奖", [(p.iri, sk("competedIn"), ed.iri)])
        (fz, fe) = rng.choice(FIELDS)
        prog = self.entity(f"programme-{c.ent.iri[len(self.e_prefix):-1]}-{fe.lower().replace(' ', '-')}",
                           "Programme", f"{c.short}{fz}技能提升工程", f"{c.en} {fe} Skills Upgrading Programme")
        r.statement(c.ent, "implements", prog.iri, f"{c.ent.zh}实施{prog.zh}")
        doc = self.entity(f"doc-{c.ent.iri[len(self.e_prefix):-1]}-skills-measures", "PolicyDocument",
                          f"{c.short}关于加强{fz}技能人才队伍建设的若干措施",
                          f"{c.en} measures on {fe.lower()} skilled talent")
        r.statement(c.bureau, "issued", doc.iri, f"出台《{doc.zh}》"[:MAX_QUOTE])
        # Observations: ~half the claims, mostly about the city (as in the real reports).
        self.observe(r, c.ent, n=rng.randint(30, 40), honours=c.honours + c.province.honours,
                     designations=national, extra=new_colleges)

    def college(self, r: Report, c: City, where: Ent) -> Ent:
        kind = self.rng.choices(COLLEGE_KINDS, weights=[k[3] for k in COLLEGE_KINDS])[0]
        fz, fe = self.rng.choice(FIELDS)
        ent = self.entity(f"{c.ent.iri[len(self.e_prefix):-1]}-{fe.lower().replace(' ', '-')}-{kind[0].lower()}",
                          kind[0], f"{c.short}{fz}{kind[1]}", f"{c.en} {fe} {kind[2]}")
        r.statement(ent, "locatedIn", where.iri, f"{ent.zh}坐落于{where.zh}")
        c.colleges.append(ent)
        return ent

    def enterprise(self, r: Report, c: City, where: Ent) -> Ent:
        (bz, be), (iz, ie) = self.rng.choice(BRANDS), self.rng.choice(INDUSTRIES)
        ent = self.entity(f"{be.lower()}-{ie.lower().replace(' ', '-')}-{c.ent.iri[len(self.e_prefix):-1]}",
                          "Enterprise", f"{c.short}{bz}{iz}有限公司", f"{c.en} {be} {ie} Co., Ltd.",
                          alt=f"{c.short}{bz}{iz}" if self.rng.random() < 0.15 else None)
        r.statement(ent, "locatedIn", where.iri, f"{ent.zh}位于{where.zh}")
        c.enterprises.append(ent)
        self.all_enterprises.append(ent)
        return ent

    def group(self, r: Report, c: City, colleges: list[Ent], firms: list[Ent]) -> None:
        rng = self.rng
        kind = rng.choice(GROUP_KINDS)
        fz, fe = rng.choice(FIELDS)
        grp = self.entity(f"{c.ent.iri[len(self.e_prefix):-1]}-{fe.lower().replace(' ', '-')}-group",
                          kind[0], f"{c.short}{fz}{kind[1]}", f"{c.en} {fe} {kind[2]}")
        self.samples.setdefault("group", grp.iri[1:-1])
        lead, year = colleges[0], str(rng.randint(2015, 2024))
        r.statement(grp, "foundingDate", typed(year, "gYear"), f"{year}年，由{lead.zh}牵头组建{grp.zh}")
        r.statement(grp, "guidedBy", c.bureau.iri, f"在{c.bureau.zh}指导下成立{grp.zh}")
        # Lead + a handful of named members (new and earlier organizations of the city).
        members = [(lead, "role-lead")] + [(m, "role-member") for m in colleges[1:] + firms[:rng.randint(1, 3)]]
        pool = c.colleges + c.enterprises
        members += [(m, "role-member") for m in rng.sample(pool, min(len(pool), rng.randint(0, 2)))
                    if all(m is not x for x, _ in members)]
        for m, role in members:
            derived = [(m.iri, iri(str(ORG.memberOf)), grp.iri)]
            if role == "role-lead":
                derived.append((grp.iri, sk("ledBy"), m.iri))
            r.claim("Membership", [(iri(str(ORG.member)), m.iri), (iri(str(ORG.organization)), grp.iri),
                                   (iri(str(ORG.role)), v(role))],
                    f"{m.zh}{'牵头' if role == 'role-lead' else '加入'}{grp.zh}", derived)
        self.observe(r, grp, n=2, member_units=True)

    def platform(self, r: Report, c: City, host: Ent) -> None:
        kind = self.rng.choice(PLATFORM_KINDS)
        ent = self.entity(f"platform-{host.iri[len(self.e_prefix):-1]}-{kind[0].lower()}", kind[0],
                          f"{host.zh}{kind[1]}", f"{kind[2]} of {host.zh}")
        r.statement(ent, "hostedBy", host.iri, f"{host.zh}建有{ent.zh}")

    def person(self, r: Report, c: City, org: Ent) -> Ent:
        (sz, sp), (g1, q1), (g2, q2) = self.rng.choice(SURNAMES), self.rng.choice(GIVEN), self.rng.choice(GIVEN)
        name_en = f"{sp} {(q1 + q2).capitalize()}"
        ent = self.entity(f"person-{sp.lower()}-{q1}{q2}", "Person", f"{sz}{g1}{g2}", name_en)
        r.statement(ent, "worksAt", org.iri, f"{org.zh}{ent.zh}")
        c.persons.append(ent)
        self.samples.setdefault("person", ent.iri[1:-1])
        return ent

    def partnership(self, r: Report, c: City) -> None:
        rng = self.rng
        col = rng.choice(c.colleges)
        n_firms = rng.choices([1, 2, 3], weights=[7, 3, 1])[0]
        # Most partners are local; one in five comes from anywhere in the country.
        pool = self.all_enterprises if rng.random() < 0.2 else c.enterprises
        firms = []
        for f in rng.sample(pool, min(n_firms, len(pool))):
            if f is not col and f not in firms:
                firms.append(f)
        parties = [col] + firms
        props = [(sk("party"), p.iri) for p in parties]
        props.append((sk("partnershipKind"), v(rng.choice(PK_KINDS))))
        derived = [(a.iri, sk("partnerOf"), b.iri) for a in parties for b in parties if a is not b]
        r.claim("Partnership", props, f"{col.zh}与{'、'.join(f.zh for f in firms)}开展校企合作", derived)

    # ------------------------------------------------------------------ observations
    def observe(self, r: Report, about: Ent, n: int, honours=(), designations=(), extra=(),
                member_units: bool = False) -> None:
        rng = self.rng
        weights = [i[1] for i in INDICATORS]
        for _ in range(n):
            target = about if not extra or rng.random() < 0.8 else rng.choice(extra)
            if member_units:
                ind, unit, concern = "member-unit-count", "unit-organization", "class:Enterprise"
            else:
                ind, _, unit, concern = rng.choices(INDICATORS, weights=weights)[0]
            if concern == "honour" and honours:
                concerning = rng.choice(honours).iri
            elif concern == "designation" and designations:
                concerning = rng.choice(designations).iri
            elif concern and concern.startswith("class:"):
                concerning = sk(concern[6:])
            else:
                concerning = None
            value = rng.randint(1, 500) * (100 if unit in ("unit-person", "unit-person-time") else 1)
            stated = f"{value}{UNIT_WORD[unit]}"
            label, year = rng.choice(PERIOD_LABELS)
            kind = "cumulative" if label == "十四五以来" else ("period-flow" if year else "stock")
            props = [(sk("observationAbout"), target.iri), (sk("indicator"), iri(str(IND[ind])))]
            if concerning:
                props.append((sk("concerning"), concerning))
            props += [(sk("value"), integer(value)), (sk("unit"), v(unit)), (sk("statedValue"), plain(stated)),
                      (sk("figureKind"), v(kind)), (sk("periodLabel"), zh(label))]
            if year:
                props.append((sk("periodStart" if kind == "cumulative" else "refDate"), typed(year, "gYear")))
            if rng.random() < 0.24:
                props.append((sk("qualifier"), v(rng.choice(QUALIFIERS))))
            r.claim("Observation", props, f"{label}，{target.zh}{stated}")

    # ------------------------------------------------------------------ whole graph
    def run(self, ontology_lines) -> dict:
        for line in ontology_lines:
            self.w.raw_line(line)
        mohrss = self.entity("mohrss", "GovernmentAgency", "人力资源和社会保障部",
                             "Ministry of Human Resources and Social Security", alt="人社部")
        r = self.new_report("全国技能人才工作综述", "national skilled-talent overview", mohrss)
        national = []
        for slug, z, n in [("designation-national-key-technical-school", "国家级重点技工学校", "National Key Technical School"),
                           ("designation-national-high-skill-training-base", "国家级高技能人才培训基地",
                            "National High-Skilled Talent Training Base"),
                           ("designation-national-skill-master-studio", "国家级技能大师工作室", "National Skill Master Studio"),
                           ("designation-world-champion-cultivating-college", "世界冠军培育院校",
                            "World Champion Cultivating College")]:
            d = self.entity(slug, "UnitDesignation", z, n)
            r.statement(d, "awardingBody", mohrss.iri, f"{mohrss.zh}认定{z}")
            r.statement(d, "level", v("level-national"), f"国家级{z}")
            national.append(d)
        provinces: dict[str, Province] = {}
        cities: list[City] = []
        plan = self.plan_cities()
        i = 0
        while self.w.count < self.target - QUADS_PER_REPORT // 2:
            if i < len(plan):
                cities.append(self.city(plan[i], provinces))
            c = cities[i % len(cities)]
            self.report(c, national)
            i += 1
        self.samples.update(city=cities[0].ent.iri[1:-1], province=cities[0].province.ent.iri[1:-1],
                            college=cities[0].colleges[0].iri[1:-1],
                            honour=cities[0].province.honours[0].iri[1:-1],
                            search_zh=cities[0].colleges[0].zh[2:5], search_en="technician")
        return {"quads": self.w.count, "reports": self.reports, "cities": len(cities),
                "provinces": len(provinces), "entities_per_class": dict(sorted(self.entities.items())),
                "entities": sum(self.entities.values()), "claims_per_class": dict(sorted(self.claims.items())),
                "claims": sum(self.claims.values()), "samples": self.samples}


def ontology_nquads(root: Path | None = None):
    """The ontology files (minus shapes) as N-Quads lines in the default graph, in a fixed order.

    Blank nodes get labels from their order of appearance: pyoxigraph's own labels are random,
    which would break same-seed-same-bytes.
    """
    import pyoxigraph as ox

    root = Path(root) if root else paths.repo_root()
    bnodes: dict[str, str] = {}

    def fmt(t) -> str:
        if isinstance(t, ox.BlankNode):
            return bnodes.setdefault(t.value, f"_:o{len(bnodes)}")
        return str(t)

    for p in sorted((root / "ontology").glob("*.ttl")):
        if p.name == "shapes.ttl":
            continue
        bnodes.clear()
        try:
            quads = list(ox.parse(read_text(p), format=ox.RdfFormat.TURTLE))
        except SyntaxError as exc:  # pyoxigraph's parse error carries the line
            raise KgError(f"syntax error: {exc.msg}", file=str(p), line=exc.lineno) from None
        for q in quads:
            yield f"{fmt(q.subject)} {fmt(q.predicate)} {fmt(q.object)} ."


def parse_scale(text: str | int) -> int:
    """'100k' → 100000, '5M' → 5000000, '250000' → 250000."""
    s = str(text).strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(s[-1:], 1)
    return int(float(s[:-1] if mult > 1 else s) * mult)


def generate(scale: int, out_dir: str | Path, seed: int = 42, root: Path | None = None) -> dict:
    """Write `out_dir/kg.nq` (atomically) and `out_dir/synth-info.json`; return the info."""
    from kg.io import atomic_write_text

    out_dir = Path(out_dir)
    writer = QuadWriter(out_dir / "kg.nq")
    try:
        info = Synth(writer, seed, scale).run(ontology_nquads(root))
        path = writer.commit()
    except BaseException:
        writer.abort()
        raise
    info = {"scale": scale, "seed": seed, "file": path.name, **info}
    atomic_write_text(out_dir / "synth-info.json", json.dumps(info, ensure_ascii=False, indent=1) + "\n")
    return info
