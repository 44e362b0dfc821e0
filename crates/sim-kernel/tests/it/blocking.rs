//! Blocking: an entity holds one resource while it waits for the next.

use sim_kernel::{Discipline, Model, Resource, Scheduler, Simulation, Time};

/// Patients take a bed, are treated for 2, then need a carer (one carer, 3 per visit). A patient
/// keeps the bed until a carer is free.
struct Ward {
    beds: Resource<u32>,
    carers: Resource<u32>,
    log: Vec<(f64, &'static str, u32)>,
}

enum Ev {
    Arrive(u32),
    Treated(u32),
    CareDone(u32),
}

impl Model for Ward {
    type Event = Ev;
    fn handle(&mut self, s: &mut Scheduler<Ev>, e: Ev) {
        let now = s.now().0;
        match e {
            Ev::Arrive(p) => {
                if let Some(p) = self.beds.request(now, p, 0) {
                    self.log.push((now, "bed", p));
                    s.schedule_in(2.0, Ev::Treated(p));
                }
            }
            Ev::Treated(p) => {
                // Still holding the bed: ask for a carer.
                if let Some(p) = self.carers.request(now, p, 0) {
                    self.leave_bed(s, now, p);
                }
            }
            Ev::CareDone(p) => {
                self.log.push((now, "care done", p));
                if let Some((p, _)) = self.carers.release(now) {
                    self.leave_bed(s, now, p);
                }
            }
        }
    }
}

impl Ward {
    fn leave_bed(&mut self, s: &mut Scheduler<Ev>, now: f64, p: u32) {
        self.log.push((now, "home", p));
        s.schedule_in(3.0, Ev::CareDone(p));
        if let Some((next, _)) = self.beds.release(now) {
            self.log.push((now, "bed", next));
            s.schedule_in(2.0, Ev::Treated(next));
        }
    }
}

#[test]
fn a_patient_keeps_the_bed_while_waiting_for_care() {
    let mut sim = Simulation::new(Ward {
        beds: Resource::new(2, Discipline::Fifo),
        carers: Resource::new(1, Discipline::Fifo),
        log: Vec::new(),
    });
    for p in 0..3 {
        sim.schedule_at(Time(0.0), Ev::Arrive(p));
    }
    sim.run_until(Time(100.0));
    // 0 and 1 take the beds; both are treated at 2; 0 gets the carer and leaves, freeing a bed
    // for 2. 1 waits in its bed until the carer is free at 5, then leaves. 2 is treated at 4 and
    // waits for the carer until 8.
    assert_eq!(
        sim.model().log,
        [
            (0.0, "bed", 0),
            (0.0, "bed", 1),
            (2.0, "home", 0),
            (2.0, "bed", 2),
            (5.0, "care done", 0),
            (5.0, "home", 1),
            (8.0, "care done", 1),
            (8.0, "home", 2),
            (11.0, "care done", 2)
        ]
    );
    // Bed 1 was held from 0 to 5 and bed 2 from 0 to 2 then 2 to 8: 13 bed-units over 8.
    assert!((sim.model().beds.mean_busy(8.0) - 13.0 / 8.0).abs() < 1e-12);
}
