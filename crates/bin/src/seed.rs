//! `realty seed`: demo data for trying the API, or large generated data
//! sets for load tests, varied like a real catalogue (room kinds and counts,
//! areas, cities with accents, descriptions with words to search: common
//! ones, and a street as rare as in real listings).

use chrono::{Duration, Utc};
use realty_app::{NewPropertyCommand, Registration};
use realty_domain::ports::UserRepository;
use realty_domain::{
    AreaM2, City, Description, DomainError, Email, Floor, NewProperty, NewRoom, Password, PersonName,
    PropertyName, RoomKind, RoomName, TypeSlug, User, UserId, ValueError,
};

use crate::Services;

const DEMO_PASSWORD: &str = "demo-password";

const CITIES: [&str; 24] = [
    "Paris",
    "Lyon",
    "Saint-Étienne",
    "Marseille",
    "Nice",
    "Bordeaux",
    "Lille",
    "Nantes",
    "Île-de-Ré",
    "Aix-en-Provence",
    "Toulouse",
    "Strasbourg",
    "Montpellier",
    "Rennes",
    "Grenoble",
    "Annecy",
    "Łódź",
    "Kraków",
    "München",
    "Zürich",
    "Göteborg",
    "Brussels",
    "Genève",
    "L'Haÿ-les-Roses",
];
const TYPES: [&str; 8] = ["house", "apartment", "studio", "villa", "loft", "land", "commercial", "parking"];
const ADJECTIVES: [&str; 12] = [
    "Sunny",
    "Quiet",
    "Spacious",
    "Charming",
    "Modern",
    "Renovated",
    "Bright",
    "Cosy",
    "Elegant",
    "Rustic",
    "Central",
    "Airy",
];
const NOUNS: [&str; 8] = ["flat", "house", "studio", "villa", "loft", "duplex", "cottage", "penthouse"];
const PLACES: [&str; 10] = [
    "near the park",
    "by the river",
    "in the old town",
    "with a view",
    "close to the station",
    "on a quiet street",
    "near the beach",
    "by the market",
    "under the hills",
    "next to the school",
];
const DESCRIPTION_WORDS: [&str; 40] = [
    "parquet",
    "fireplace",
    "terrace",
    "garden",
    "elevator",
    "cellar",
    "renovated",
    "double",
    "glazing",
    "south",
    "facing",
    "view",
    "mountains",
    "sea",
    "quiet",
    "neighbourhood",
    "schools",
    "shops",
    "metro",
    "tram",
    "parking",
    "bike",
    "storage",
    "attic",
    "heating",
    "solar",
    "panels",
    "pool",
    "courtyard",
    "concierge",
    "fibre",
    "internet",
    "balcony",
    "kitchen",
    "open",
    "plan",
    "bright",
    "living",
    "high",
    "ceilings",
];

/// The street a generated property is on: one of 16 × 16 × 8 = 2,048
/// made-up names ("Belmarcourt"), so that a search can ask for a word as
/// rare as a street is in real listings (about 0.05 % of the properties
/// each), where the description words are each in a tenth or more.
const STREET_SYLLABLES: [&str; 16] = [
    "bel", "mar", "ro", "ver", "san", "cha", "lu", "mont", "del", "fa", "gre", "pi", "tor", "val", "ner",
    "qui",
];
const STREET_ENDINGS: [&str; 8] = ["court", "ville", "mont", "lac", "bourg", "val", "champ", "pre"];

/// Two users with a few properties each, created through the use cases
/// (so with audit events). Idempotent: an existing demo user is reused.
///
/// # Errors
/// On storage failure.
pub async fn demo(services: &Services) -> Result<(), DomainError> {
    for (email, first_name, city) in
        [("alice@example.com", "Alice", "Saint-Étienne"), ("bob@example.com", "Bob", "Lyon")]
    {
        let user = demo_user(services, email, first_name).await?;
        let owned = realty_domain::PropertyQuery { owner: Some(user.id), limit: 1, ..Default::default() };
        if !services.properties.list(owned).await?.items.is_empty() {
            continue;
        }
        for (name, property_type) in
            [("Family house with garden", "house"), ("Flat near the station", "apartment")]
        {
            let command = NewPropertyCommand {
                name: invalid_seed(PropertyName::parse(&format!("{name} ({first_name})")))?,
                description: invalid_seed(Description::parse(&format!("A demo property in {city}.")))?,
                property_type: invalid_seed(TypeSlug::parse(property_type))?,
                city: invalid_seed(City::parse(city))?,
                rooms: vec![
                    room(RoomKind::LivingRoom, "Living room", 28.5, Some(0))?,
                    room(RoomKind::Bedroom, "Bedroom", 12.0, Some(1))?,
                    room(RoomKind::Kitchen, "Kitchen", 9.5, Some(0))?,
                ],
            };
            services.properties.create(&user.actor(), command).await?;
        }
    }
    println!("demo data ready: alice@example.com and bob@example.com, password {DEMO_PASSWORD:?}");
    Ok(())
}

/// The seed's own values are valid; a rule change that breaks one is a bug.
fn invalid_seed<T>(value: Result<T, ValueError>) -> Result<T, DomainError> {
    value.map_err(DomainError::internal)
}

fn room(kind: RoomKind, name: &str, area_m2: f64, floor: Option<i64>) -> Result<NewRoom, DomainError> {
    Ok(NewRoom {
        name: invalid_seed(RoomName::parse(name))?,
        kind,
        area: invalid_seed(AreaM2::parse(area_m2))?,
        floor: floor.map(Floor::parse).transpose().map_err(DomainError::internal)?,
        description: None,
    })
}

async fn demo_user(services: &Services, email: &str, first_name: &str) -> Result<User, DomainError> {
    let registration = Registration {
        email: invalid_seed(Email::parse(email))?,
        password: invalid_seed(Password::parse(DEMO_PASSWORD))?,
        first_name: invalid_seed(PersonName::parse(first_name))?,
        last_name: invalid_seed(PersonName::parse("Demo"))?,
        birth_date: None,
    };
    match services.accounts.register(registration).await {
        Ok(user) => Ok(user),
        Err(DomainError::Conflict(_)) => {
            let email = invalid_seed(Email::parse(email))?;
            services.db.find_by_email(&email).await?.ok_or(DomainError::NotFound { resource: "user" })
        }
        Err(error) => Err(error),
    }
}

/// How many owners the generated properties are spread over: an owner
/// filter then selects one property in a hundred.
const OWNERS: u64 = 100;

/// `count` generated properties, inserted in batches without audit events
/// (load-test data, not history).
///
/// # Errors
/// On storage failure.
pub async fn bulk(services: &Services, count: u64) -> Result<(), DomainError> {
    const BATCH: u64 = 5_000;
    let mut owners = Vec::new();
    for index in 0..OWNERS.min(count.max(1)) {
        owners.push(demo_user(services, &format!("owner{index}@loadtest.example"), "Load").await?.id);
    }
    let started = std::time::Instant::now();
    let mut inserted = 0;
    while inserted < count {
        let size = BATCH.min(count - inserted);
        let batch = (inserted..inserted + size)
            .map(|n| generated_property(&owners, n))
            .collect::<Result<Vec<_>, _>>()?;
        inserted += services.db.bulk_insert_properties(batch).await?;
        tracing::info!(inserted, elapsed_s = started.elapsed().as_secs(), "seeding");
    }
    println!("{inserted} properties inserted in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

/// A deterministic pseudo-random stream (SplitMix64) per property, so that
/// a data set is the same on every run and backend.
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        usize::try_from(self.next() % bound as u64).unwrap_or(0)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

fn generated_property(owners: &[UserId], n: u64) -> Result<NewProperty, DomainError> {
    let mut random = Stream(n);
    let name = format!("{} {} {}", random.pick(&ADJECTIVES), random.pick(&NOUNS), random.pick(&PLACES));
    let words = 8 + random.below(20);
    let description: Vec<&str> = (0..words).map(|_| random.pick(&DESCRIPTION_WORDS)).collect();
    let mut rooms = vec![room(RoomKind::LivingRoom, "Living room", 15.0 + random.below(30) as f64, Some(0))?];
    for index in 0..random.below(5) {
        let area = 8.0 + random.below(12) as f64 + random.below(100) as f64 / 100.0;
        rooms.push(room(RoomKind::Bedroom, &format!("Bedroom {}", index + 1), area, Some(1))?);
    }
    rooms.push(room(RoomKind::Kitchen, "Kitchen", 6.0 + random.below(10) as f64, Some(0))?);
    for (kind, name, percent, area) in [
        (RoomKind::Bathroom, "Bathroom", 80, 5.0),
        (RoomKind::Toilet, "Toilet", 50, 1.5),
        (RoomKind::Balcony, "Balcony", 35, 4.0),
        (RoomKind::Garage, "Garage", 20, 15.0),
        (RoomKind::Office, "Office", 15, 9.0),
        (RoomKind::DiningRoom, "Dining room", 25, 12.0),
        (RoomKind::Storage, "Storage", 30, 3.0),
    ] {
        if random.chance(percent) {
            rooms.push(room(kind, name, area + random.below(6) as f64, None)?);
        }
    }
    let property_type = TYPES[random.below(TYPES.len())];
    let city = CITIES[random.below(CITIES.len())];
    // Drawn last, so that every other value is what it was before streets.
    let street = format!(
        "{}{}{}",
        random.pick(&STREET_SYLLABLES),
        random.pick(&STREET_SYLLABLES),
        random.pick(&STREET_ENDINGS)
    );
    let description =
        format!("{} Rue {}{}.", description.join(" "), street[..1].to_uppercase(), &street[1..]);
    let owner = owners[usize::try_from(n % owners.len().max(1) as u64).unwrap_or(0)];
    // Spread over a year, oldest first, so that created_at and updated_at
    // differ and sorting by either is meaningful.
    let at = Utc::now() - Duration::minutes(i64::try_from(1_000_000 - n.min(999_999)).unwrap_or(0));
    Ok(NewProperty {
        owner_id: owner,
        name: invalid_seed(PropertyName::parse(&name))?,
        description: invalid_seed(Description::parse(&description))?,
        property_type: invalid_seed(TypeSlug::parse(property_type))?,
        city: invalid_seed(City::parse(city))?,
        rooms,
        at,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use realty_domain::UserId;

    use super::generated_property;

    /// How many of `count` generated properties hold each search word.
    fn word_counts(count: u64) -> HashMap<String, u64> {
        let mut counts = HashMap::new();
        for n in 0..count {
            let property = generated_property(&[UserId(1)], n).expect("a generated property is valid");
            for word in property.index_words() {
                *counts.entry(word).or_insert(0) += 1;
            }
        }
        counts
    }

    #[test]
    fn a_data_set_is_the_same_on_every_run() {
        let first = generated_property(&[UserId(1)], 42).expect("valid");
        let again = generated_property(&[UserId(1)], 42).expect("valid");
        assert_eq!((first.name, first.description, first.city), (again.name, again.description, again.city));
    }

    /// The search benchmark needs both kinds: words most listings have and
    /// words as rare as a street.
    #[test]
    fn descriptions_hold_common_words_and_rare_streets() {
        let count = 20_000;
        let counts = word_counts(count);
        let streets: Vec<u64> = counts
            .iter()
            .filter(|(word, _)| word.len() > 6 && word.ends_with("court"))
            .map(|(_, n)| *n)
            .collect();
        assert!(streets.len() > 200, "only {} streets ending in -court", streets.len());
        assert!(streets.iter().all(|&n| n * 200 < count), "a street in more than 0.5 % of properties");
        assert_eq!(counts["rue"], count, "every description names its street");
        assert!(counts["quiet"] * 10 > count, "a common word in fewer than a tenth");
    }
}
