"""The mechanisms: small pure functions, one per causal claim of the sources.

Each function computes one named quantity from facts, a member's structural attributes and global
parameters; numbers may be scalars or numpy arrays over replications, global parameters included (one
value per replication when many points run side by side: ``model.params.ParameterRows``). Where a
parameter meets an (R, measures) array of positions it goes through :func:`per_row`. Agents call them
(``model/agents.py``); nothing here holds state or draws random numbers.

Sources are cited by key: ``docs/bibliography.yaml`` (S000-S004 are the five seed articles).
"""

from __future__ import annotations

import numpy as np

# --- coding tables: categorical facts to numbers (documented in docs/ODD.md, "Submodels") ----------

#: Scope of the crisis: how much of the state it engulfs.
SCOPE_WEIGHT = {"local": 0.6, "regional": 0.8, "nationwide": 1.0}
#: How directly the crisis threatens the incumbent regime (S001, S003: colour revolutions).
REGIME_THREAT = {"none": 0.0, "protests": 0.4, "uprising": 0.8, "overthrown": 1.0}
#: How much a regime type fears contagion of popular uprisings (S001, S003; S003 on Armenia's
#: Pashinyan, "who himself came to power after widespread street protests").
REGIME_INSECURITY = {"consolidated_autocracy": 1.0, "electoral_autocracy": 0.8, "hybrid": 0.5, "democratising": 0.2}
#: Legitimacy deficit of the requesting government ([@udf-30670]: interim government after an
#: unconstitutional change, Kyrgyzstan 2010).
LEGITIMACY_DEFICIT = {"constitutional": 0.0, "contested": 0.4, "interim": 0.7}
#: The lead state's reluctance to act against the adversary, by its relation to it (S002: Russia
#: preferred to broker between Armenia and Turkey-backed Azerbaijan).
ADVERSARY_RELUCTANCE = {"hostile": 0.0, "neutral": 0.2, "partner": 0.8, "ally": 1.0}
#: The lead state's competing commitments (S003: Ukraine, January 2022).
COMMITMENTS = {"none": 0.0, "moderate": 0.5, "major": 1.0}


def crisis_severity(deaths: np.ndarray | float, scope: str, deaths_full: float, floor: float = 0.0) -> np.ndarray:
    """Severity in [0, 1]: the log of the death toll at the request, saturating at ``deaths_full``, above a
    ``floor`` (a threat massing at the border before anyone is killed is not nothing), times the
    crisis's scope. Model assumption, coded from the case files' facts."""
    base = np.clip(np.log1p(np.asarray(deaths, dtype=float)) / np.log1p(deaths_full), 0.0, 1.0)
    return (floor + (1.0 - floor) * base) * SCOPE_WEIGHT[scope]


def regional_interest(member_regions: tuple[str, ...], requester_regions: tuple[str, ...],
                      out_of_region_interest: float) -> float:
    """1 for a member in the requester's regional security complex, else ``out_of_region_interest``.
    S001: three regional security complexes; S002: Belarus has no interest in Central Asia and vice
    versa; Russia alone has interests in all three (it lists all three regions)."""
    return 1.0 if set(member_regions) & set(requester_regions) else out_of_region_interest


def regional_threat(severity: np.ndarray, interest: float, *, w_region: float, threat_scale: float) -> np.ndarray:
    """Threat felt through the member's interest in the requester's region: severity times that interest.
    S001 (regional security complexes); S002 (Belarus has no interest in Central Asia)."""
    return threat_scale * np.asarray(severity, dtype=float) * w_region * interest


def border_threat(severity: np.ndarray, shares_border: bool, *, w_border: float, threat_scale: float) -> np.ndarray:
    """Threat felt through a border shared with the requester. S003 (border, chain reaction)."""
    return threat_scale * np.asarray(severity, dtype=float) * w_border * shares_border


def spillover_threat(severity: np.ndarray, receives_spillover: bool, *, w_spillover: float,
                     threat_scale: float) -> np.ndarray:
    """Threat of the crisis spilling onto the member's soil. S003 (chain reaction)."""
    return threat_scale * np.asarray(severity, dtype=float) * w_spillover * receives_spillover


def contagion_threat(severity: np.ndarray, interest: float, regime_threat: float, regime_insecurity: float, *,
                     w_contagion: float, threat_scale: float) -> np.ndarray:
    """Fear of regime contagion ("colour revolution") felt by insecure regimes, fully in the requester's
    region and at the out-of-region interest outside it (the same in every replication).
    S001 (fear of colour revolutions), S003."""
    return np.full_like(np.asarray(severity, dtype=float),
                        threat_scale * w_contagion * regime_threat * regime_insecurity * interest)


def threat_components(severity: np.ndarray, interest: float, shares_border: bool, receives_spillover: bool,
                      regime_threat: float, regime_insecurity: float, *, w_region: float, w_border: float,
                      w_spillover: float, w_contagion: float, threat_scale: float) -> dict[str, np.ndarray]:
    """A member's perceived threat from the crisis, by component: severity felt through its regional
    interest, through a shared border and through spillover onto its soil, and the fear of regime
    contagion ("colour revolution") felt by insecure regimes, fully in the requester's region and at the
    out-of-region interest outside it.
    S001 (regional security complexes; fear of colour revolutions), S003 (border, chain reaction)."""
    return {
        "regional threat": regional_threat(severity, interest, w_region=w_region, threat_scale=threat_scale),
        "shared border": border_threat(severity, shares_border, w_border=w_border, threat_scale=threat_scale),
        "spillover": spillover_threat(severity, receives_spillover, w_spillover=w_spillover, threat_scale=threat_scale),
        "regime contagion": contagion_threat(severity, interest, regime_threat, regime_insecurity,
                                             w_contagion=w_contagion, threat_scale=threat_scale),
    }


def threat_perception(*args, **kwargs) -> np.ndarray:
    """The total perceived threat: the sum of :func:`threat_components`."""
    return sum(threat_components(*args, **kwargs).values())


def treaty_obligation(mandate: float, *, w_obligation: float) -> float:
    """The stake every member has in honouring a clear collective-defence obligation: failing an
    ally under Art. 4 costs the alliance's credibility. Grows with the fit of the case to the clause.
    S003: the CSTO long accused of being a 'paper tiger'; S002: 'commitment issues' that 'cast doubt
    on the organization's utility'."""
    return w_obligation * mandate


def strategic_value(border_with_lead_km: float, lead_installations: float, lead_diaspora_share: float,
                    economic_weight: float) -> float:
    """The requester's strategic value to the lead state in [0, 1]: a long shared border, the lead
    state's military installations, its diaspora, and the requester's economic weight.
    S003: Kazakhstan's 7,644 km border, Baikonur and three other installations, 3.5 million ethnic
    Russians (18%); S001: Kazakhstan the second economic and military power of the bloc."""
    return float(0.35 * min(border_with_lead_km / 5000.0, 1.0)
                 + 0.2 * min(lead_installations / 4.0, 1.0)
                 + 0.25 * min(lead_diaspora_share / 0.15, 1.0)
                 + 0.2 * economic_weight)


def strategic_stake(value: float | np.ndarray, severity: np.ndarray, regime_threat: float, *,
                    w_strategic: float) -> np.ndarray:
    """The lead state's stake in the requester: its strategic value times what the crisis puts at risk
    (the state's order and its regime). S001 ('senior partner'), S003 (preventing regime change in
    the neighbourhood is a key goal of Russia)."""
    return w_strategic * value * (severity + regime_threat)


def lead_net_stake(value: float | np.ndarray, severity: np.ndarray, regime_threat: float, lead_insecurity: float,
                   relation: str, has_adversary: bool, commitments: str, *, w_strategic: float, w_contagion: float,
                   w_adversary: float, w_commitments: float) -> np.ndarray:
    """The lead state's net stake in the requester's crisis: the requester's strategic value times what the
    crisis puts at risk, and its own fear of regime contagion, less its reluctance to face the adversary and
    its commitments elsewhere. S001 (Russia the 'senior partner'; fear of colour revolutions), S003
    (preventing regime change in the neighbourhood; Ukraine, 2022), S002 (Russia's commitment to the alliance
    contradicted its broader political interests)."""
    stake = (strategic_stake(value, severity, regime_threat, w_strategic=w_strategic)
             + w_contagion * regime_threat * lead_insecurity)
    reluctance = w_adversary * ADVERSARY_RELUCTANCE[relation] * has_adversary + w_commitments * COMMITMENTS[commitments]
    return stake - reluctance


def lead_resolve(net_stake: np.ndarray, *, resolve_scale: float) -> np.ndarray:
    """How hard the lead state pushes, in [0, 1): 0 without a positive net stake, rising toward 1 as its net
    stake grows past ``resolve_scale``. A keen lead state stretches the legal reading (S001: 'flexibility in
    interpreting the charter'; S000: Russia's interests, not the charter, decided Kazakhstan 2022; S002)."""
    return 1.0 - np.exp(-np.clip(net_stake, 0.0, None) / resolve_scale)


def legal_mandate(origin: str, territory: str, framing: str, mandate: dict[str, float],
                  framing_credit: float | np.ndarray) -> float | np.ndarray:
    """How well the situation fits the collective-defence clause (Treaty Art. 4), in [0, 1].
    The organisation's reading is data (``mandate`` in the organisation file). S002: in practice
    Art. 4 needs an external armed attack; forces are not used between members; S001/S002: an attack
    on territory that is not the member's de jure own is not covered. Internal unrest framed as
    external regains ``framing_credit`` of the gap to the clause's mandate for an external attack
    (S002 'false externalization'; S004); ``framing_credit`` is that share times the lead state's resolve (the
    framing is the justification a keen lead state accepts, not the cause: S001, S000)."""
    if origin == "member_state":
        return mandate["member_state"]
    if origin == "internal":
        base = mandate["internal"]
        # An external framing borrows the mandate of an external attack, as far as the clause gives one
        # (an organisation without a collective-defence clause gains nothing from the framing).
        return base + framing_credit * max(mandate["external_de_jure"] - base, 0.0) if framing == "external" else base
    return mandate[f"external_{territory}"]


def legal_cost(mandate: float, legal_need: float, legal_relief: float, *, w_legal: float,
               jurisdiction_relief: float) -> float:
    """Cost of a measure for want of a mandate: the missing mandate times how much the measure needs
    one, less what a jurisdiction (status-of-forces) agreement removes. S002 (Art. 4 practice);
    S001 (the 2021 jurisdiction agreement)."""
    return w_legal * (1.0 - mandate) * legal_need * (1.0 - jurisdiction_relief * legal_relief)


def internality(origin: str, framing: str, framing_credit: float | np.ndarray) -> float | np.ndarray:
    """How much a crisis is another member's internal affair, in [0, 1]: 1 for internal unrest, less
    when the requester frames it as external; 0 for an external or inter-member conflict.
    S001: Charter Art. 5, non-interference in internal affairs."""
    if origin != "internal":
        return 0.0
    return 1.0 - framing_credit if framing == "external" else 1.0


def precedent_cost(dependence: float, internality_: float, intrusiveness: float, *, w_sovereignty: float) -> float:
    """A smaller member's fear of the precedent of intruding in a member's internal affairs: larger the
    more independent of the lead state it is. S001: smaller states' fear of encroachment on their
    sovereignty; Karimov's objection (Uzbekistan, 2010)."""
    return w_sovereignty * (1.0 - dependence) * internality_ * intrusiveness


def cross_pressure(tie_to_adversary: float, tie_to_patrons: float, sidetaking: float, *,
                   w_cross_pressure: float) -> float:
    """Cost of taking sides against a state the member has ties with, or against that state's patron.
    S002: Kazakhstan, Kyrgyzstan and Tajikistan in Turkish-led formats; siding with Armenia against
    Turkey-backed Azerbaijan would be 'problematic at best'."""
    return w_cross_pressure * max(tie_to_adversary, tie_to_patrons) * sidetaking


def legitimacy_cost(deficit: float, regime_insecurity: float, intrusiveness: float, *, w_legitimacy: float) -> float:
    """Cost of propping up a government of doubtful legitimacy, felt most by regimes that fear
    revolutions (they do not reward one). [@udf-30670]: the May 2010 informal summit called the change
    of power in Kyrgyzstan unconstitutional; S001."""
    return w_legitimacy * deficit * regime_insecurity * intrusiveness


def adversary_cost(relation: str, sidetaking: float, *, w_adversary: float) -> float:
    """The lead state's cost of taking sides against an adversary it courts or brokers with.
    S002: 'Russia's commitment to the alliance contradicted its broader political interests'."""
    return w_adversary * ADVERSARY_RELUCTANCE[relation] * sidetaking


def own_track_cost(options: int, sidetaking: float, *, w_own_track: float) -> float:
    """The lead state's cost of acting through the organisation when it has tracks of its own (acting
    bilaterally, mediating between the parties, its own peacekeepers): a mediator does not take sides in the
    organisation's name, and what it can do alone it need not table (``sidetaking`` is 1 for a measure no member
    asked the organisation for: taking the crisis there at all competes with its own track). S002 (Russia
    preferred to broker between Armenia and Azerbaijan, 2020; its own peacekeepers outside the organisation),
    S001 (Armenia 2020)."""
    return w_own_track * min(options, 1) * sidetaking


def after_peak_severity(severity: np.ndarray, timing: str, *, after_peak_discount: float) -> np.ndarray:
    """Severity as the council weighs it: a request made after the crisis's peak (the violence ebbing, order
    being restored) weighs less by ``after_peak_discount``. [@kremlin-8043]: in June 2010 the council met as
    the violence in Osh was subsiding; model assumption for the size."""
    return severity * (1.0 - after_peak_discount) if timing == "after_peak" else severity


def commitments_cost(commitments: str, intrusiveness: float, *, w_commitments: float) -> float:
    """The lead state's cost of a measure while it is committed elsewhere (S003: Ukraine, 2022)."""
    return w_commitments * COMMITMENTS[commitments] * intrusiveness


def burden_share(force_pledge: float, largest_pledge: float, floor: float = 0.1) -> float:
    """The share of an operation's burden a member expects to carry, relative to the largest
    contributor: its pledge to the collective force over the largest pledge, at least ``floor`` (a
    battalion still costs). S002: Russia supplies most troops; smaller members send 'symbolic numbers'."""
    if largest_pledge <= 0:
        return 1.0
    return max(force_pledge / largest_pledge, floor)


def action_cost(intrusiveness: float, burden: float, *, action_cost_weight: float) -> float:
    """The plain cost of acting, growing with intrusiveness and with the member's share of the burden.
    S000: Charter Art. 3, political means preferred; S002 (burden sharing)."""
    return action_cost_weight * intrusiveness * burden


def capability_gap_cost(readiness: float, intrusiveness: float, *, capability_cost: float) -> float:
    """Extra cost of an intrusive measure without a ready collective force. S000, S002: the Collective
    Rapid Reaction Force (2009) 'allows it to intervene quickly'."""
    return capability_cost * (1.0 - readiness) * intrusiveness


def troop_weight(pledge: float, interest: float, stance: int, symbolic_share: float) -> float:
    """A member's weight in the troops of a deployment: its pledge to the collective force times its interest in
    the region, in full when it supports the deployment, ``symbolic_share`` of it when it only acquiesces or
    delays (a symbolic unit), nothing when it objects. One member and replication at a time: the engine applies
    it compiled (``model/kernels.py``). S002: Russia about 75% of the troops in 2022, smaller members 'symbolic
    numbers'; [@data-minsk-2009-11-11]: the planned shares of the rapid reaction force."""
    if stance == 3:  # Stance.SUPPORT
        return (pledge * interest) * 1.0
    if stance >= 1:  # DELAY or ACQUIESCE
        return (pledge * interest) * symbolic_share
    return (pledge * interest) * 0.0


def troop_share(weight: float, total_weight: float, force: float) -> float:
    """A member's troops: its weight's share of ``force``, the troops the organisation sends (none when no
    member has weight). [@data-minsk-2009-11-11]: the force's planned national shares; S002: 'symbolic numbers'
    beside Russia's bulk in 2022."""
    return weight * force / total_weight if total_weight > 0 else 0.0


def measure_utility(stake: np.ndarray, benefit: float, costs: np.ndarray | float) -> np.ndarray:
    """A member's utility of one measure: the share of its stake that the measure answers, less its
    costs. Concave benefit and convex intrusiveness across the ladder give interior ideal points."""
    return benefit * stake - costs


def per_row(value: np.ndarray | float) -> np.ndarray | float:
    """A number per replication as a column, to meet (R, k) arrays: an (R,) array becomes (R, 1); a
    scalar stays as it is."""
    return value[:, None] if np.ndim(value) == 1 else value


def revised_position(own: np.ndarray, lead: np.ndarray, peers: np.ndarray, pull: np.ndarray | float,
                     peer_weight: np.ndarray | float) -> np.ndarray:
    """One round of simultaneous revision: anchored on the member's own assessment, pulled toward the
    lead state's last position by ``pull`` (influence x dependence) and toward the other members'
    mean by ``peer_weight``. The three weights always sum to one (scaled down when ``pull + peer_weight``
    exceeds one). Friedkin & Johnsen (1990) [@friedkin-johnsen-1990] opinion dynamics; S001 (decisions largely influenced by
    Moscow), S003 (Russia's influence over Armenia and Belarus)."""
    pull, peer_weight = (per_row(w) for w in revision_weights(pull, peer_weight))
    return revision(own, lead, peers, pull, peer_weight)


def revision(own, lead, peers, pull, peer_weight):
    """The arithmetic of :func:`revised_position` with its weights already scaled (:func:`revision_weights`):
    elementwise, on numbers or arrays that broadcast; ``model/kernels.py`` compiles this very function for the
    engine's deliberation loop."""
    return (1.0 - pull - peer_weight) * own + pull * lead + peer_weight * peers


def others_mean(total, own, n: int):
    """The mean of the other members' positions: the sum over all ``n`` members less the member's own, over
    ``n - 1`` (the member's own position when it sits alone). Elementwise, on numbers or arrays; the peers'
    pull in :func:`revised_position` (``model/kernels.py`` compiles it for the deliberation loop)."""
    return own if n < 2 else (total - own) / (n - 1)


def revision_weights(pull: np.ndarray | float, peer_weight: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """The weights of the lead state's and the peers' positions in a revision (:func:`revised_position`),
    scaled down together where they sum to more than one (elementwise for arrays over replications)."""
    total = pull + peer_weight
    scale = np.where(total > 1.0, total, 1.0)
    return pull / scale, peer_weight / scale


def stance(utility: float, objection_threshold: float, delay_threshold: float) -> int:
    """Stance on a tabled measure (a Stance code): support above zero; formal objection below minus the objection
    threshold; a delay between minus that and minus the delay threshold; otherwise acquiescence. The objection
    takes precedence over the delay, the delay over support (when thresholds are negative, the ranges overlap).
    Consensus in practice means 'no formal objection' ([@armenianclub-2009-crrf-without-belarus], [@rferl-32697282]);
    Belarus delayed in 2010 ([@asbarez-2010-csto-not-to-send-peacekeepers]). One number at a time: the engine
    applies it to arrays compiled (``model/kernels.py``), :func:`stance_from_utility` interpreted."""
    if utility < -objection_threshold:
        return 0  # Stance.OBJECT
    if utility < -delay_threshold:
        return 1  # DELAY
    if utility > 0:
        return 3  # SUPPORT
    return 2  # ACQUIESCE


_STANCE = np.vectorize(stance, otypes=[np.int8])


def stance_from_utility(utility: np.ndarray, objection_threshold: np.ndarray | float,
                        delay_threshold: np.ndarray | float) -> np.ndarray:
    """:func:`stance` elementwise (int8 codes of the shape of ``utility``; thresholds broadcast), interpreted one
    element at a time: a reference for small arrays; the engine uses the compiled ``model.kernels.stances``."""
    return _STANCE(utility, objection_threshold, delay_threshold).astype(np.int8)
