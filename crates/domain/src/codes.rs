//! The closed vocabularies of the journey log: every enum value a field can take, with its code.
//!
//! Codes match exactly (case-sensitive). A small macro defines them rather than a derive crate:
//! each enum needs only `parse`, `as_str` and `ALL`, a few lines each.

use std::fmt;

/// An unknown value of a closed vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {vocabulary} {value:?} (expected one of: {expected})")]
pub struct UnknownCode {
    pub vocabulary: &'static str,
    pub value: String,
    pub expected: String,
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in the order of the spec.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code as written in files.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Parses the exact code.
            pub fn parse(s: &str) -> Result<Self, UnknownCode> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err(UnknownCode {
                        vocabulary: $what,
                        value: s.to_string(),
                        expected: [$($code),+].join(", "),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(Sex, "sex" { Female = "female", Male = "male", Other = "other", Unknown = "unknown" });

vocabulary!(
    /// Where a person lives.
    Residence, "residence" {
        OwnHome = "own_home",
        ExtraCare = "extra_care",
        ResidentialHome = "residential_home",
        NursingHome = "nursing_home",
    }
);

impl Residence {
    /// A residential or nursing home.
    pub fn is_care_home(self) -> bool {
        matches!(self, Residence::ResidentialHome | Residence::NursingHome)
    }
    /// Own home or extra care housing: "at home" for the reablement outcome.
    pub fn is_home(self) -> bool {
        matches!(self, Residence::OwnHome | Residence::ExtraCare)
    }
}

vocabulary!(AeSource, "A&E source" {
    SelfReferral = "self", Gp = "gp", Ambulance = "ambulance", CareHome = "care_home",
    Nhs111 = "nhs111", Other = "other",
});

vocabulary!(AeOutcome, "A&E outcome" {
    Admitted = "admitted", Discharged = "discharged", Referred = "referred", Died = "died",
    Left = "left",
});

vocabulary!(AdmissionMethod, "admission method" { Emergency = "emergency", Elective = "elective" });

vocabulary!(
    /// The cause of an admission; a missing cause counts as `other`.
    Cause, "cause" {
        FallInjury = "fall_injury", Pneumonia = "pneumonia", Uti = "uti", Dementia = "dementia",
        Other = "other",
    }
);

vocabulary!(Destination, "discharge destination" {
    UsualResidence = "usual_residence",
    UsualResidenceWithSupport = "usual_residence_with_support",
    ReablementHome = "reablement_home",
    StepDownBed = "step_down_bed",
    ResidentialHome = "residential_home",
    NursingHome = "nursing_home",
    Hospice = "hospice",
    OtherHospital = "other_hospital",
    Died = "died",
});

vocabulary!(
    /// The organisation responsible for a delayed transfer of care.
    Responsible, "responsible organisation" { Nhs = "nhs", SocialCare = "social_care", Both = "both" }
);

vocabulary!(
    /// NHS delayed transfer of care categories. Input may use the code or the letter
    /// (see [`DelayReason::parse_code_or_letter`]).
    DelayReason, "delay reason" {
        Assessment = "assessment",
        PublicFunding = "public_funding",
        NonAcuteNhsCare = "non_acute_nhs_care",
        ResidentialHome = "residential_home",
        NursingHome = "nursing_home",
        CarePackageHome = "care_package_home",
        EquipmentAdaptations = "equipment_adaptations",
        PatientFamilyChoice = "patient_family_choice",
        Disputes = "disputes",
        Housing = "housing",
        Other = "other",
    }
);

impl DelayReason {
    /// The NHS letter of the category (`A`, `B`, `C`, `Di`, `Dii`, `E` ... `I`, `O`).
    pub fn letter(self) -> &'static str {
        use DelayReason::*;
        match self {
            Assessment => "A",
            PublicFunding => "B",
            NonAcuteNhsCare => "C",
            ResidentialHome => "Di",
            NursingHome => "Dii",
            CarePackageHome => "E",
            EquipmentAdaptations => "F",
            PatientFamilyChoice => "G",
            Disputes => "H",
            Housing => "I",
            Other => "O",
        }
    }

    /// What the person is waiting for, in words.
    pub fn meaning(self) -> &'static str {
        use DelayReason::*;
        match self {
            Assessment => "completion of assessment",
            PublicFunding => "public funding",
            NonAcuteNhsCare => "further non-acute NHS care",
            ResidentialHome => "residential home placement or availability",
            NursingHome => "nursing home placement or availability",
            CarePackageHome => "care package in own home",
            EquipmentAdaptations => "community equipment and adaptations",
            PatientFamilyChoice => "patient or family choice",
            Disputes => "disputes",
            Housing => "housing",
            Other => "other",
        }
    }

    /// The responsible organisation when a `delay_reason` event names none.
    pub fn default_responsible(self) -> Responsible {
        match self {
            DelayReason::ResidentialHome => Responsible::SocialCare,
            _ => Responsible::Nhs,
        }
    }

    /// Parses a code (`care_package_home`) or a letter (`E`).
    pub fn parse_code_or_letter(s: &str) -> Result<Self, UnknownCode> {
        Self::parse(s).or_else(|e| {
            Self::ALL
                .iter()
                .copied()
                .find(|r| r.letter() == s)
                .ok_or(UnknownCode {
                    expected: format!(
                        "{}, or a letter: {}",
                        e.expected,
                        Self::ALL
                            .iter()
                            .map(|r| r.letter())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    ..e
                })
        })
    }
}

vocabulary!(AssessmentType, "assessment type" {
    CareNeeds = "care_needs", Carer = "carer", Chc = "chc",
    OccupationalTherapy = "occupational_therapy", TrustedAssessment = "trusted_assessment",
});

vocabulary!(AssessmentOutcome, "assessment outcome" {
    Eligible = "eligible", NotEligible = "not_eligible", NeedsMet = "needs_met", NoNeeds = "no_needs",
});

vocabulary!(Service, "package service" {
    HomeCare = "home_care", Reablement = "reablement", StepDownBed = "step_down_bed",
    ResidentialHome = "residential_home", NursingHome = "nursing_home", Telecare = "telecare",
    DirectPayment = "direct_payment",
});

vocabulary!(PackageEndReason, "package end reason" {
    NeedsMet = "needs_met", Independent = "independent", Hospital = "hospital",
    CareHome = "care_home", Died = "died", Moved = "moved", Other = "other",
});

vocabulary!(OrgKind, "organisation kind" {
    GpPractice = "gp_practice", AcuteTrust = "acute_trust", CommunityTrust = "community_trust",
    MentalHealthTrust = "mental_health_trust", LocalAuthority = "local_authority", Ccg = "ccg",
    ResidentialHome = "residential_home", NursingHome = "nursing_home",
    HomeCareAgency = "home_care_agency", ReablementService = "reablement_service",
    VoluntaryOrg = "voluntary_org", Pharmacy = "pharmacy", AmbulanceService = "ambulance_service",
    WalkInCentre = "walk_in_centre",
});

vocabulary!(CqcRating, "CQC rating" {
    Outstanding = "outstanding", Good = "good", RequiresImprovement = "requires_improvement",
    Inadequate = "inadequate", Unrated = "unrated",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_reasons_parse_codes_and_letters() {
        for r in DelayReason::ALL {
            assert_eq!(DelayReason::parse_code_or_letter(r.as_str()), Ok(*r));
            assert_eq!(DelayReason::parse_code_or_letter(r.letter()), Ok(*r));
        }
        assert_eq!(
            DelayReason::parse_code_or_letter("Di"),
            Ok(DelayReason::ResidentialHome)
        );
        assert!(DelayReason::parse_code_or_letter("e").is_err());
        assert!(DelayReason::parse_code_or_letter("D").is_err());
        assert!(DelayReason::parse_code_or_letter("Care_package_home").is_err());
    }

    #[test]
    fn default_responsible_follows_the_spec() {
        assert_eq!(
            DelayReason::NonAcuteNhsCare.default_responsible(),
            Responsible::Nhs
        );
        assert_eq!(
            DelayReason::ResidentialHome.default_responsible(),
            Responsible::SocialCare
        );
        assert_eq!(
            DelayReason::CarePackageHome.default_responsible(),
            Responsible::Nhs
        );
    }

    #[test]
    fn unknown_codes_name_the_vocabulary() {
        let e = Residence::parse("hospital").unwrap_err();
        assert!(e.to_string().contains("unknown residence \"hospital\""));
        assert!(e.to_string().contains("own_home"));
    }
}
