//! The log's codes in plain words, for staff who are not programmers.

use domain::codes::*;

pub fn residence(r: Residence) -> &'static str {
    match r {
        Residence::OwnHome => "in their own home",
        Residence::ExtraCare => "in extra care housing",
        Residence::ResidentialHome => "in a residential home",
        Residence::NursingHome => "in a nursing home",
    }
}

pub fn source(s: AeSource) -> &'static str {
    match s {
        AeSource::SelfReferral => "came on their own",
        AeSource::Gp => "sent by their GP",
        AeSource::Ambulance => "brought by ambulance",
        AeSource::CareHome => "sent by their care home",
        AeSource::Nhs111 => "sent by NHS 111",
        AeSource::Other => "other route",
    }
}

pub fn ae_outcome(o: AeOutcome) -> &'static str {
    match o {
        AeOutcome::Admitted => "admitted to a ward",
        AeOutcome::Discharged => "went home",
        AeOutcome::Referred => "referred on",
        AeOutcome::Died => "died in A&E",
        AeOutcome::Left => "left before being seen",
    }
}

pub fn destination(d: Destination) -> &'static str {
    match d {
        Destination::UsualResidence => "their usual home",
        Destination::UsualResidenceWithSupport => "their usual home with support",
        Destination::ReablementHome => "home with reablement",
        Destination::StepDownBed => "a step-down bed",
        Destination::ResidentialHome => "a residential home",
        Destination::NursingHome => "a nursing home",
        Destination::Hospice => "a hospice",
        Destination::OtherHospital => "another hospital",
        Destination::Died => "died in hospital",
    }
}

pub fn responsible(r: Responsible) -> &'static str {
    match r {
        Responsible::Nhs => "the NHS",
        Responsible::SocialCare => "social care",
        Responsible::Both => "the NHS and social care",
    }
}

pub fn cause(c: Cause) -> &'static str {
    match c {
        Cause::FallInjury => "a fall",
        Cause::Pneumonia => "pneumonia",
        Cause::Uti => "a urinary infection",
        Cause::Dementia => "dementia",
        Cause::Other => "another cause",
    }
}

/// The discharge to assess pathways.
pub fn pathway(p: u8) -> &'static str {
    match p {
        0 => "pathway 0: home, no new support",
        1 => "pathway 1: home with support",
        2 => "pathway 2: a bed for rehabilitation or recovery",
        3 => "pathway 3: a care home",
        _ => "an unknown pathway",
    }
}
