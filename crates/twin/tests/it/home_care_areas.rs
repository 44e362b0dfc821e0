//! Home care hours by area (`discharge.home_care_areas`): each area's agencies serve only its
//! own people, so hours spare in one area do not serve another.

use twin::{replicate, Scenario};

fn with_areas(areas: u32) -> Scenario {
    let mut s = Scenario::load("stoke-2017").unwrap();
    s.discharge.home_care_areas = areas;
    s
}

#[test]
fn the_same_hours_split_into_areas_keep_more_people_waiting() {
    // The same total hours, the same people (common random numbers): split six ways, some
    // areas run short while others have hours to spare.
    let (one, six) = (with_areas(1), with_areas(6));
    let care_package = |s: &Scenario| {
        let k = twin::calibration::FIGURES
            .iter()
            .position(|f| f.id == "dtoc_delayed_days_per_100k:care_package_home")
            .unwrap();
        (0..4)
            .map(|r| {
                let run = replicate(s, 2017, r, None);
                let queue =
                    run.days.iter().map(|d| d.home_care_queue).sum::<f64>() / run.days.len() as f64;
                (run.calibration[k].unwrap(), queue)
            })
            .fold((0.0, 0.0), |a, b| (a.0 + b.0 / 4.0, a.1 + b.1 / 4.0))
    };
    let ((delays_one, queue_one), (delays_six, queue_six)) =
        (care_package(&one), care_package(&six));
    assert!(
        delays_six > delays_one + 2.0,
        "care-package delays {delays_one:.2} in one area, {delays_six:.2} in six"
    );
    assert!(
        queue_six > queue_one,
        "{queue_one:.2} waiting, {queue_six:.2}"
    );
}

#[test]
fn every_area_s_hours_are_held_by_its_own_people() {
    // The audit checks each area's hours against its people's packages and arrangements.
    for s in [with_areas(6), {
        let mut d2a = Scenario::load("d2a").unwrap();
        d2a.discharge.home_care_areas = 4;
        d2a
    }] {
        let found = twin::run::audit(&s, 2017, 0);
        assert!(
            found.is_empty(),
            "{}: {:?}",
            s.name,
            &found[..found.len().min(5)]
        );
    }
}
