//! Picking what an order is about: its text (and the terms and prediction
//! computed once per distinct text), its place and its kind.

use super::*;

impl Generator<'_> {
    pub(super) fn text_info(
        &mut self,
        core: usize,
        opener: usize,
        closer: usize,
        openers: &[&str],
        closers: &[&str],
    ) -> Arc<TextInfo> {
        let key = (core as u16, opener as u8, closer as u8);
        if let Some(t) = self.texts.get(&key) {
            return t.clone();
        }
        let c = &CORES[core];
        let text = format!("{}{}{}", openers[opener], c.text, closers[closer]);
        let p = Classifier::bundled().classify(&text).ok();
        let (confident, wrong, urgency, prediction) = match &p {
            Some(p) => {
                let sure = f64::from(p.category.confidence) >= crate::dispatch::DEFAULT_THRESHOLD;
                let same = Category::parse(&p.category.label).ok() == Some(c.category);
                (
                    sure && same,
                    sure && !same,
                    p.urgency.label.clone(),
                    crate::dispatch::stored_prediction(p, 0).ok().map(Str::from),
                )
            }
            None => (false, false, String::new(), None),
        };
        let info = Arc::new(TextInfo {
            terms: terms_of(&text),
            text: text.into(),
            prediction,
            confident,
            wrong,
            urgency,
        });
        self.texts.insert(key, info.clone());
        info
    }

    /// A text of `kind` (about a home when `home_only`), avoiding ones the
    /// classifier would confidently send to the wrong team.
    pub(super) fn pick_text(
        &mut self,
        kind: Kind,
        home_only: bool,
        unsure: bool,
        core: Option<usize>,
    ) -> Option<(usize, Arc<TextInfo>)> {
        let (openers, closers) = match kind {
            Kind::Repair => (REPORT_OPENERS, REPAIR_CLOSERS),
            Kind::Complaint => (REPORT_OPENERS, COMPLAINT_CLOSERS),
            _ => (POLITE_OPENERS, OTHER_CLOSERS),
        };
        let choices: Vec<usize> = match core {
            Some(c) => vec![c],
            None => (0..CORES.len())
                .filter(|i| {
                    CORES[*i].kind == kind && (!home_only || CORES[*i].place == PlaceKind::Home)
                })
                .collect(),
        };
        if choices.is_empty() {
            return None;
        }
        for _ in 0..24 {
            let c = pick(&mut self.rng, &choices);
            let o = self.rng.random_range(0..openers.len());
            let k = self.rng.random_range(0..closers.len());
            let info = self.text_info(c, o, k, openers, closers);
            if info.wrong || (unsure && info.confident) {
                continue;
            }
            return Some((c, info));
        }
        None
    }

    pub(super) fn label_terms(&mut self, label: &Str) -> Arc<[Str]> {
        if let Some(t) = self.label_terms.get(label) {
            return t.clone();
        }
        let t = terms_of(label);
        self.label_terms.insert(label.clone(), t.clone());
        t
    }

    pub(super) fn place(&mut self, core: usize, home: Option<usize>) -> Place {
        let co = self.co;
        let c = &CORES[core];
        if let Some(h) = home.filter(|_| c.place == PlaceKind::Home) {
            let hm = &co.homes[h];
            return Place {
                kind: PlaceKind::Home,
                community: hm.community,
                home: Some(h),
                building: Some(hm.building_id),
                entrance: hm.entrance_id,
                text: "",
                label: hm.place_label.clone(),
            };
        }
        let community = self.rng.random_range(0..co.communities.len());
        let m = &co.communities[community];
        if c.place == PlaceKind::Home {
            let mut h = self.rng.random_range(m.homes.clone());
            for _ in 0..8 {
                if !co.homes[h].residents.is_empty() {
                    break;
                }
                h = self.rng.random_range(m.homes.clone());
            }
            return self.place(core, Some(h));
        }
        let b = &m.buildings[self.rng.random_range(0..m.buildings.len())];
        let text = place_text(c.place, c.category, self.rng.random_range(0..8));
        let (building, entrance, base) = match c.place {
            PlaceKind::Entrance => {
                let (eid, ename) = &b.entrances[self.rng.random_range(0..b.entrances.len())];
                (
                    Some(b.id),
                    Some(*eid),
                    wuye_domain::directory::home_label(&b.name, Some(ename), ""),
                )
            }
            PlaceKind::Building => (
                Some(b.id),
                None,
                wuye_domain::directory::home_label(&b.name, None, ""),
            ),
            k => (None, None, k.label_zh().to_string()),
        };
        let label = if text.is_empty() {
            format!("{} {base}", m.name)
        } else {
            format!("{} {base} · {text}", m.name)
        };
        Place {
            kind: c.place,
            community,
            home: None,
            building,
            entrance,
            text,
            label: label.into(),
        }
    }

    /// The kind of an order ending in `target`.
    pub(super) fn kind_for(&mut self, target: State) -> Kind {
        let needs_team = matches!(
            target,
            State::Dispatched
                | State::Accepted
                | State::InProgress
                | State::OnHold
                | State::Disputed
                | State::AwaitingAcceptance
                | State::Merged
        );
        let r: u32 = self.rng.random_range(0..100);
        if needs_team {
            return if r < 80 {
                Kind::Repair
            } else {
                Kind::Complaint
            };
        }
        match r {
            0..62 => Kind::Repair,
            62..76 => Kind::Complaint,
            76..92 => Kind::Consultation,
            92..96 => Kind::Suggestion,
            _ => Kind::Praise,
        }
    }
}
