//! `realty seed`: demo data for trying the API, or large generated data
//! sets for load tests.

use chrono::Utc;
use realty_app::{PropertyInput, Registration, RoomInput};
use realty_domain::{
    AreaM2, City, Description, DomainError, Email, NewProperty, NewRoom, PropertyName, RoomKind, RoomName,
    TypeSlug, User,
};

use realty_domain::ports::UserRepository;

use crate::Services;

const DEMO_PASSWORD: &str = "demo-password";
const CITIES: [&str; 10] = [
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
];
const TYPES: [&str; 8] = ["house", "apartment", "studio", "villa", "loft", "land", "commercial", "parking"];

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
        if !services.properties.list(owned_by(&user)).await?.items.is_empty() {
            continue;
        }
        for (name, property_type) in
            [("Family house with garden", "house"), ("Flat near the station", "apartment")]
        {
            let rooms = vec![
                room("Living room", "living_room", 28.5),
                room("Bedroom", "bedroom", 12.0),
                room("Kitchen", "kitchen", 9.5),
            ];
            let input = PropertyInput {
                name: format!("{name} ({first_name})"),
                description: Some(format!("A demo property in {city}.")),
                property_type: property_type.to_owned(),
                city: city.to_owned(),
                rooms,
            };
            services.properties.create(&user.actor(), input).await?;
        }
    }
    println!("demo data ready: alice@example.com and bob@example.com, password {DEMO_PASSWORD:?}");
    Ok(())
}

fn owned_by(user: &User) -> realty_app::ListQuery {
    realty_app::ListQuery { owner_id: Some(user.id.0), limit: Some(1), ..Default::default() }
}

fn room(name: &str, kind: &str, area_m2: f64) -> RoomInput {
    RoomInput { name: name.to_owned(), kind: kind.to_owned(), area_m2, floor: Some(0), description: None }
}

async fn demo_user(services: &Services, email: &str, first_name: &str) -> Result<User, DomainError> {
    let registration = Registration {
        email: email.to_owned(),
        password: DEMO_PASSWORD.to_owned(),
        first_name: first_name.to_owned(),
        last_name: "Demo".to_owned(),
        birth_date: None,
    };
    match services.accounts.register(registration).await {
        Ok(user) => Ok(user),
        Err(DomainError::Conflict(_)) => {
            let email = Email::parse(email)?;
            services.db.find_by_email(&email).await?.ok_or(DomainError::NotFound { resource: "user" })
        }
        Err(error) => Err(error),
    }
}

/// `count` generated properties with 4 rooms each, inserted in batches
/// without audit events (load-test data, not history).
///
/// # Errors
/// On storage failure.
pub async fn bulk(services: &Services, count: u64) -> Result<(), DomainError> {
    const BATCH: u64 = 10_000;
    let owner = demo_user(services, "loadtest@example.com", "Load").await?;
    let started = std::time::Instant::now();
    let mut inserted = 0;
    while inserted < count {
        let size = BATCH.min(count - inserted);
        let batch = (inserted..inserted + size)
            .map(|n| generated_property(owner.id, n))
            .collect::<Result<Vec<_>, _>>()?;
        inserted += services.db.bulk_insert_properties(batch).await?;
        tracing::info!(inserted, elapsed_s = started.elapsed().as_secs(), "seeding");
    }
    println!("{inserted} properties inserted in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

fn generated_property(owner: realty_domain::UserId, n: u64) -> Result<NewProperty, DomainError> {
    let index = usize::try_from(n).unwrap_or_default();
    let kinds = [RoomKind::LivingRoom, RoomKind::Bedroom, RoomKind::Kitchen, RoomKind::Bathroom];
    let rooms = kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            Ok(NewRoom {
                name: RoomName::parse(kind.as_str())?,
                kind: *kind,
                area: AreaM2::parse(8.0 + ((index + i) % 20) as f64)?,
                floor: None,
                description: None,
            })
        })
        .collect::<Result<Vec<_>, DomainError>>()?;
    Ok(NewProperty {
        owner_id: owner,
        name: PropertyName::parse(&format!("Generated property #{n}"))?,
        description: Description::default(),
        property_type: TypeSlug::parse("property_type", TYPES[index % TYPES.len()])?,
        city: City::parse(CITIES[index % CITIES.len()])?,
        rooms,
        at: Utc::now(),
    })
}
