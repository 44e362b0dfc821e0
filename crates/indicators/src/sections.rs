//! The report's sections: the indicators each pass over the facts computes, so a caller that
//! needs only some indicators (the twin's calibration, several periods a replication) computes
//! only their passes. A section's indicators are told by their ids' prefixes.

/// One pass of [`Journeys::report_of`](crate::Journeys::report_of) and the indicators it gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `dtoc_delayed_days_per_100k` and its breakdowns.
    Delays,
    /// `emergency_admissions_65_per_100k`, `care_home_admissions_65_per_100k` and its causes.
    Admissions,
    /// `ae_*`.
    Ae,
    /// `bed_occupancy_pct` and its trusts.
    Occupancy,
    /// Length of stay, readmission, reablement and weekend discharges.
    Discharges,
    /// `permanent_care_home_admissions_65_per_100k`.
    PermanentMoves,
    /// `reviews_*`.
    Reviews,
    /// Assessments, CHC and new home care packages.
    Assessments,
    /// The register indicators (GP access, providers' ratings).
    Registers,
}

impl Section {
    pub const ALL: [Section; 9] = [
        Section::Delays,
        Section::Admissions,
        Section::Ae,
        Section::Occupancy,
        Section::Discharges,
        Section::PermanentMoves,
        Section::Reviews,
        Section::Assessments,
        Section::Registers,
    ];

    /// The section that computes indicator `id` (a breakdown's id included).
    pub fn of(id: &str) -> Section {
        const PREFIXES: [(&str, Section); 14] = [
            ("dtoc_", Section::Delays),
            ("emergency_admissions_", Section::Admissions),
            ("care_home_admissions_", Section::Admissions),
            ("ae_", Section::Ae),
            ("bed_occupancy_", Section::Occupancy),
            ("los_", Section::Discharges),
            ("readmission_", Section::Discharges),
            ("reablement_", Section::Discharges),
            ("discharges_", Section::Discharges),
            ("permanent_", Section::PermanentMoves),
            ("reviews_", Section::Reviews),
            ("assessments_", Section::Assessments),
            ("new_home_care_", Section::Assessments),
            ("chc_", Section::Assessments),
        ];
        PREFIXES
            .iter()
            .find(|(p, _)| id.starts_with(p))
            .map_or(Section::Registers, |(_, s)| *s)
    }
}

/// A set of sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sections(u16);

impl Sections {
    /// Every section: the whole report.
    pub fn all() -> Sections {
        Sections::of(Section::ALL)
    }

    pub fn of(sections: impl IntoIterator<Item = Section>) -> Sections {
        Sections(sections.into_iter().fold(0, |m, s| m | 1 << s as u16))
    }

    /// The sections that compute `ids`.
    pub fn for_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> Sections {
        Sections::of(ids.into_iter().map(Section::of))
    }

    pub fn has(self, s: Section) -> bool {
        self.0 & (1 << s as u16) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_belongs_to_the_section_of_its_prefix() {
        assert_eq!(Section::of("ae_4h_pct"), Section::Ae);
        assert_eq!(
            Section::of("care_home_admissions_65_per_100k:fall_injury"),
            Section::Admissions
        );
        assert_eq!(
            Section::of("dtoc_delayed_days_per_100k_by_responsible:nhs"),
            Section::Delays
        );
        assert_eq!(Section::of("gp_extended_access_pct"), Section::Registers);
        let some = Sections::for_ids(["ae_12h_pct", "reviews_overdue"]);
        assert!(some.has(Section::Ae) && some.has(Section::Reviews));
        assert!(!some.has(Section::Delays) && !some.has(Section::Registers));
        assert!(Section::ALL.iter().all(|&s| Sections::all().has(s)));
    }
}
