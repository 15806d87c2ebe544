//! Browse and search (`GET /properties`), the admin directory
//! (`GET /users`), and conditional reads with their caching headers.

use std::collections::HashSet;

use chrono::{DateTime, Duration, FixedOffset, SecondsFormat, SubsecRound, Utc};
use realty::Services;
use realty_domain::{
    AreaM2, City, Description, NewProperty, NewRoom, PropertyName, RoomKind, RoomName, TypeSlug, UserId,
};
use reqwest::{StatusCode, Url};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, TestUser, assert_problem, problem_fields};

// ------------------------------------------------------------------ helpers

/// A room of `kind` with `area_m2`.
fn room(kind: &str, area_m2: f64) -> Value {
    json!({"name": kind, "kind": kind, "area_m2": area_m2})
}

/// Creates a property of `owner`: a house in Pau without rooms, with
/// `fields` (name, description, type, city, rooms) instead of the defaults.
async fn create(app: &TestApp, owner: &TestUser, fields: Value) -> Value {
    let mut body = json!({"name": "Plain property", "property_type": "house", "city": "Pau"});
    for (name, value) in fields.as_object().unwrap() {
        body[name] = value.clone();
    }
    let response = app.post("/properties", &body).bearer_auth(&owner.token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "creating {body}");
    response.json().await.unwrap()
}

/// Changes a property as its owner; returns the new JSON.
async fn edit(app: &TestApp, owner: &TestUser, property: &Value, changes: Value) -> Value {
    let path = format!("/properties/{}", property["id"]);
    let response = app.patch(&path, &changes).bearer_auth(&owner.token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "editing {path} with {changes}");
    response.json().await.unwrap()
}

/// Adds a room as the owner; returns the room.
async fn add_room(app: &TestApp, owner: &TestUser, property: &Value, room: Value) -> Value {
    let path = format!("/properties/{}/rooms", property["id"]);
    let response = app.post(&path, &room).bearer_auth(&owner.token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "adding {room} to {path}");
    response.json().await.unwrap()
}

fn id(item: &Value) -> i64 {
    item["id"].as_i64().unwrap()
}

fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().map(id).collect()
}

/// Ids in increasing order, to compare matches whatever their order.
fn sorted(ids: impl IntoIterator<Item = i64>) -> Vec<i64> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids
}

/// The page `GET /properties?{query}` answers, asserted 200.
async fn page(app: &TestApp, query: &str) -> Value {
    let response = app.get(&format!("/properties?{query}")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET /properties?{query}");
    response.json().await.unwrap()
}

/// The ids of every match of `query`, in the order answered (one page of
/// 100, more than any test creates).
async fn found(app: &TestApp, query: &str) -> Vec<i64> {
    let page = page(app, &format!("{query}&limit=100")).await;
    assert!(page["next_cursor"].is_null(), "one page holds every match of {query}");
    ids(page["items"].as_array().unwrap())
}

/// An instant as the API writes them, `+` escaped for a query string.
fn instant(at: DateTime<FixedOffset>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true).replace('+', "%2B")
}

fn parse_instant(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap()).unwrap().with_timezone(&Utc)
}

/// The query pairs of `path`, without `cursor`, in order.
fn pairs_but_cursor(app: &TestApp, path: &str) -> Vec<(String, String)> {
    Url::parse(&app.url(path))
        .unwrap()
        .query_pairs()
        .filter(|(name, _)| name != "cursor")
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

/// The value of `cursor` in `path`.
fn cursor_of(app: &TestApp, path: &str) -> Option<String> {
    Url::parse(&app.url(path))
        .unwrap()
        .query_pairs()
        .find(|(name, _)| name == "cursor")
        .map(|(_, value)| value.into_owned())
}

/// More pages than any walk of these tests has.
const MAX_PAGES: usize = 100;

/// Walks a list route page by page, following `Link` and `next_cursor` in
/// turns and checking on each page that they agree; the last page must have
/// neither.
struct Pages<'a> {
    app: &'a TestApp,
    token: Option<&'a str>,
    next: Option<String>,
    pages: usize,
}

impl<'a> Pages<'a> {
    fn new(app: &'a TestApp, path: String, token: Option<&'a str>) -> Self {
        Self { app, token, next: Some(path), pages: 0 }
    }

    /// The items of the next page, or `None` after the last.
    async fn next(&mut self) -> Option<Vec<Value>> {
        let path = self.next.take()?;
        // A cursor that does not move on would walk for ever.
        assert!(self.pages < MAX_PAGES, "{path}: still a next page after {MAX_PAGES} pages");
        let mut request = self.app.get(&path);
        if let Some(token) = self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        let link = response.headers().get("link").map(|value| value.to_str().unwrap().to_owned());
        let page: Value = response.json().await.unwrap();
        let route = path.split('?').next().unwrap();
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                let link = link.unwrap_or_else(|| panic!("a Link header when {path} has a next page"));
                let target = link
                    .strip_prefix('<')
                    .and_then(|link| link.strip_suffix(">; rel=\"next\""))
                    .unwrap_or_else(|| panic!("Link of the form <…>; rel=\"next\": {link}"));
                assert_eq!(target.split('?').next(), Some(route), "{link}");
                assert_eq!(cursor_of(self.app, target).as_deref(), Some(cursor), "the Link's cursor");
                assert_eq!(
                    pairs_but_cursor(self.app, target),
                    pairs_but_cursor(self.app, &path),
                    "the Link keeps the query"
                );
                self.next = Some(if self.pages.is_multiple_of(2) {
                    target.to_owned()
                } else {
                    let mut query: Vec<String> = pairs_but_cursor(self.app, &path)
                        .into_iter()
                        .map(|(name, value)| format!("{name}={}", escape(&value)))
                        .collect();
                    query.push(format!("cursor={cursor}"));
                    format!("{route}?{}", query.join("&"))
                });
            }
            None => {
                assert!(page["next_cursor"].is_null(), "next_cursor is null on the last page: {page}");
                assert!(link.is_none(), "no Link on the last page of {path}: {link:?}");
            }
        }
        self.pages += 1;
        Some(page["items"].as_array().unwrap().clone())
    }

    /// Every item of the remaining pages.
    async fn all(mut self) -> Vec<Value> {
        let mut items = Vec::new();
        while let Some(page) = self.next().await {
            items.extend(page);
        }
        items
    }
}

/// Percent-escapes what a query value cannot hold as is.
fn escape(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' | '.' | '~' => c.to_string(),
            other => {
                let mut buffer = [0; 4];
                other.encode_utf8(&mut buffer).bytes().map(|b| format!("%{b:02X}")).collect()
            }
        })
        .collect()
}

/// Properties inserted together, at one instant one day ago, through the
/// seed's bulk loader: the API stamps each creation with its own time, so
/// this is the way to make properties that tie on `created_at` and
/// `updated_at`. Each is named `Twin` and has the rooms (kind, area) given.
async fn created_together(app: &TestApp, owner: &TestUser, rooms: &[&[(RoomKind, f64)]]) -> Vec<i64> {
    let services = Services::for_command(&app.settings.database, app.settings.hash_cost).await.unwrap();
    let at = (Utc::now() - Duration::days(1)).trunc_subsecs(6);
    let properties = rooms
        .iter()
        .map(|rooms| NewProperty {
            owner_id: UserId(owner.id),
            name: PropertyName::parse("Twin").unwrap(),
            description: Description::parse("").unwrap(),
            property_type: TypeSlug::parse("house").unwrap(),
            city: City::parse("Pau").unwrap(),
            rooms: rooms
                .iter()
                .map(|&(kind, area)| NewRoom {
                    name: RoomName::parse("Room").unwrap(),
                    kind,
                    area: AreaM2::parse(area).unwrap(),
                    floor: None,
                    description: None,
                })
                .collect(),
            at,
        })
        .collect();
    assert_eq!(services.db.bulk_insert_properties(properties).await.unwrap(), rooms.len() as u64);
    let twins = found(app, "q=twin").await;
    assert_eq!(twins.len(), rooms.len());
    twins
}

// ------------------------------------------------------------------ filters

async fn repeated_cities_are_alternatives_compared_folded(app: TestApp) {
    let owner = app.user("ana").await;
    let etienne = id(&create(&app, &owner, json!({"city": "Saint-Étienne"})).await);
    let lodz = id(&create(&app, &owner, json!({"city": "Łódź"})).await);
    create(&app, &owner, json!({"city": "Lyon"})).await;

    let both = found(&app, "city=saint-etienne&city=LODZ").await;
    let spelled = found(&app, "city=Łódź&city=Saint Étienne").await;
    let one = found(&app, "city=lodz").await;
    let twice = found(&app, "city=lodz&city=%C5%81%C3%B3d%C5%BA").await;

    assert_eq!(sorted(both), sorted([etienne, lodz]));
    assert_eq!(sorted(spelled), sorted([etienne, lodz]));
    assert_eq!(one, [lodz]);
    assert_eq!(twice, [lodz], "a city given twice is still one alternative");
    for filter in ["saint-etienne", "Saint%20Etienne", "SAINT--%C3%89TIENNE", "%20saint%20%20etienne%20"] {
        assert_eq!(found(&app, &format!("city={filter}")).await, [etienne], "city={filter}");
    }
    // The Link of the next page holds the accented values, escaped.
    let walked =
        Pages::new(&app, "/properties?city=Łódź&city=Saint+Étienne&limit=1".into(), None).all().await;
    assert_eq!(ids(&walked), [lodz, etienne]);
}

async fn repeated_types_are_alternatives_and_an_unknown_one_matches_nothing(app: TestApp) {
    let owner = app.user("ben").await;
    let villa = id(&create(&app, &owner, json!({"property_type": "villa"})).await);
    let loft = id(&create(&app, &owner, json!({"property_type": "loft"})).await);
    create(&app, &owner, json!({"property_type": "house"})).await;

    assert_eq!(sorted(found(&app, "type=villa&type=loft").await), sorted([villa, loft]));
    assert_eq!(found(&app, "type=villa").await, [villa]);
    assert!(found(&app, "type=castle").await.is_empty(), "an unknown type matches nothing");
    assert_eq!(found(&app, "type=villa&type=castle").await, [villa]);
}

async fn owner_id_keeps_one_owners_properties(app: TestApp) {
    let ana = app.user("ana").await;
    let ben = app.user("ben").await;
    let first = id(&create(&app, &ana, json!({})).await);
    create(&app, &ben, json!({})).await;
    let second = id(&create(&app, &ana, json!({})).await);

    assert_eq!(found(&app, &format!("owner_id={}", ana.id)).await, [second, first]);
    assert!(found(&app, "owner_id=987654").await.is_empty(), "an unknown owner has nothing");
}

async fn room_count_bounds_are_inclusive(app: TestApp) {
    let owner = app.user("cat").await;
    let mut by_count = Vec::new();
    for count in 0..4 {
        let rooms: Vec<Value> = (0..count).map(|_| room("office", 9.0)).collect();
        by_count.push(id(&create(&app, &owner, json!({"rooms": rooms})).await));
    }
    let [zero, one, two, three] = by_count[..] else { unreachable!() };

    assert_eq!(sorted(found(&app, "min_rooms=2").await), sorted([two, three]));
    assert_eq!(sorted(found(&app, "max_rooms=1").await), sorted([zero, one]));
    assert_eq!(sorted(found(&app, "min_rooms=1&max_rooms=2").await), sorted([one, two]));
    assert_eq!(found(&app, "min_rooms=2&max_rooms=2").await, [two]);
    assert_eq!(found(&app, "max_rooms=0").await, [zero]);
    assert_eq!(found(&app, "min_rooms=0").await.len(), 4);
    assert!(found(&app, "min_rooms=4").await.is_empty());
    assert!(found(&app, "min_rooms=2147483647").await.is_empty());
}

async fn area_bounds_are_inclusive_at_a_decimal_boundary(app: TestApp) {
    let owner = app.user("dan").await;
    // 10.1 + 10.2 is 20.299999999999997 in binary floating point.
    let summed = create(&app, &owner, json!({"rooms": [room("bedroom", 10.1), room("kitchen", 10.2)]})).await;
    let single = id(&create(&app, &owner, json!({"rooms": [room("bedroom", 20.3)]})).await);
    let above = id(&create(&app, &owner, json!({"rooms": [room("bedroom", 20.31)]})).await);
    let below = id(&create(&app, &owner, json!({"rooms": [room("bedroom", 20.29)]})).await);
    let empty = id(&create(&app, &owner, json!({})).await);
    assert_eq!(summed["total_area_m2"], 20.3);
    let summed = id(&summed);

    assert_eq!(sorted(found(&app, "min_area=20.3").await), sorted([summed, single, above]));
    assert_eq!(sorted(found(&app, "max_area=20.3").await), sorted([summed, single, below, empty]));
    assert_eq!(sorted(found(&app, "min_area=20.3&max_area=20.3").await), sorted([summed, single]));
    assert_eq!(sorted(found(&app, "min_area=20.30&max_area=20.300").await), sorted([summed, single]));
    assert_eq!(found(&app, "max_area=0").await, [empty]);
    assert_eq!(found(&app, "min_area=0").await.len(), 5);
    assert!(found(&app, "min_area=20.32").await.is_empty());
}

async fn min_bedrooms_counts_bedrooms_only_as_rooms_change(app: TestApp) {
    let owner = app.user("eva").await;
    let two = id(&create(&app, &owner, json!({"rooms": [room("bedroom", 9.0), room("bedroom", 9.0)]})).await);
    let one = create(&app, &owner, json!({"rooms": [room("bedroom", 9.0), room("office", 9.0)]})).await;
    let none = id(&create(&app, &owner, json!({"rooms": [room("living_room", 30.0)]})).await);

    assert_eq!(found(&app, "min_bedrooms=2").await, [two]);
    assert_eq!(sorted(found(&app, "min_bedrooms=1").await), sorted([id(&one), two]));
    assert_eq!(found(&app, "min_bedrooms=0").await.len(), 3);
    assert!(found(&app, "min_bedrooms=3").await.is_empty());

    let office = &one["rooms"][1];
    let path = format!("/properties/{}/rooms/{}", one["id"], office["id"]);
    let response =
        app.patch(&path, &json!({"kind": "bedroom"})).bearer_auth(&owner.token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());

    assert_eq!(sorted(found(&app, "min_bedrooms=2").await), sorted([id(&one), two]), "after a room edit");
    assert_eq!(found(&app, "max_rooms=1").await, [none]);
}

async fn every_has_kind_is_required(app: TestApp) {
    let owner = app.user("fay").await;
    let both = create(&app, &owner, json!({"rooms": [room("balcony", 4.0), room("garage", 15.0)]})).await;
    let balcony = id(&create(&app, &owner, json!({"rooms": [room("balcony", 4.0)]})).await);
    let garage = id(&create(&app, &owner, json!({"rooms": [room("garage", 15.0)]})).await);
    create(&app, &owner, json!({"rooms": [room("kitchen", 8.0)]})).await;

    assert_eq!(sorted(found(&app, "has=balcony").await), sorted([id(&both), balcony]));
    assert_eq!(found(&app, "has=balcony&has=garage").await, [id(&both)]);
    assert_eq!(sorted(found(&app, "has=garage&has=garage").await), sorted([id(&both), garage]));
    assert!(found(&app, "has=balcony&has=garage&has=kitchen").await.is_empty());

    let path = format!("/properties/{}/rooms/{}", both["id"], both["rooms"][1]["id"]);
    let response = app.delete(&path).bearer_auth(&owner.token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    assert!(found(&app, "has=balcony&has=garage").await.is_empty(), "its garage is gone");
}

async fn each_q_word_must_start_a_word_of_the_name_or_the_description(app: TestApp) {
    let owner = app.user("gus").await;
    let sunny = id(&create(&app, &owner, json!({"name": "Sunny flat near the PARK"})).await);
    let ecole = id(&create(&app, &owner, json!({"name": "Près de l'École", "description": "Calme"})).await);
    let described =
        create(&app, &owner, json!({"name": "Plain", "description": "Quiet terrace; parquet floors."})).await;
    let sunless = id(&create(&app, &owner, json!({"name": "Dark cellar", "description": "Sunless"})).await);
    let d = id(&described);

    let cases: &[(&str, &[i64])] = &[
        ("sun par", &[sunny]),
        ("SUN PAR", &[sunny]),
        ("sun+par", &[sunny]),
        ("park. flat,", &[sunny]),
        ("near-the", &[sunny]),
        ("flat sunny", &[sunny]),
        ("sun", &[sunny, sunless]),
        ("sunn", &[sunny]),
        ("unny", &[]),
        ("ark", &[]),
        ("ecole", &[ecole]),
        ("ÉCOLE", &[ecole]),
        ("pres ecol", &[ecole]),
        ("calme", &[ecole]),
        ("parq", &[d]),
        ("terrace parquet", &[d]),
        ("plain terrace", &[d]),
        ("sunny terrace", &[]),
        ("sunny flat near the park x", &[]),
    ];
    for (q, expected) in cases {
        let found = found(&app, &format!("q={q}")).await;

        assert_eq!(sorted(found), sorted(expected.iter().copied()), "q={q}");
    }

    edit(&app, &owner, &described, json!({"description": "Garden view"})).await;
    assert!(found(&app, "q=terrace").await.is_empty(), "the old words are gone");
    assert_eq!(found(&app, "q=garden").await, [d]);
    assert_eq!(found(&app, "q=plain gard").await, [d]);
}

/// The service remembers how rare a searched word is (one stored word
/// here, so read in the word index's order); words that start with it and
/// appear later, by a creation or an edit, are found all the same.
async fn a_word_searched_before_longer_words_appear_still_finds_them(app: TestApp) {
    let owner = app.user("hal").await;
    let street = id(&create(&app, &owner, json!({"description": "Rue Montvermont, quiet"})).await);
    assert_eq!(found(&app, "q=montvermont").await, [street]);
    assert_eq!(found(&app, "q=montvermont quiet").await, [street]);

    let longer = id(&create(&app, &owner, json!({"description": "Montvermontoise corner, quiet"})).await);
    let renamed = create(&app, &owner, json!({"name": "Plain loft"})).await;
    edit(&app, &owner, &renamed, json!({"name": "Montvermonts loft"})).await;

    let all = [id(&renamed), longer, street];
    assert_eq!(found(&app, "q=montvermont").await, all, "newest first, whichever word matched");
    assert_eq!(found(&app, "q=montvermont quiet").await, [longer, street]);
    let walked = Pages::new(&app, "/properties?q=montvermont&limit=1".to_owned(), None).all().await;
    assert_eq!(ids(&walked), all, "pages of one, each match once");
}

async fn updated_since_is_inclusive_and_follows_edits(app: TestApp) {
    let owner = app.user("hal").await;
    let older = create(&app, &owner, json!({})).await;
    let newer = create(&app, &owner, json!({})).await;
    let since = DateTime::parse_from_rfc3339(newer["updated_at"].as_str().unwrap()).unwrap();
    assert!(parse_instant(&older["updated_at"]) < since, "created one after the other");

    assert_eq!(found(&app, &format!("updated_since={}", instant(since))).await, [id(&newer)], "inclusive");
    let in_paris = since.with_timezone(&FixedOffset::east_opt(2 * 3600).unwrap());
    assert_eq!(found(&app, &format!("updated_since={}", instant(in_paris))).await, [id(&newer)]);
    let just_after = since + Duration::microseconds(1);
    assert!(parse_instant(&newer["updated_at"]) < just_after);
    assert!(found(&app, &format!("updated_since={}", instant(just_after))).await.is_empty());
    assert_eq!(found(&app, "updated_since=1970-01-01T00:00:00Z").await.len(), 2);

    let edited = edit(&app, &owner, &older, json!({"name": "Edited"})).await;
    assert_eq!(
        found(&app, &format!("updated_since={}", instant(since))).await,
        [id(&newer), id(&older)],
        "an edited property is found, still newest created first"
    );
    let edited_at = DateTime::parse_from_rfc3339(edited["updated_at"].as_str().unwrap()).unwrap();
    assert_eq!(found(&app, &format!("updated_since={}", instant(edited_at))).await, [id(&older)]);

    add_room(&app, &owner, &newer, room("office", 8.0)).await;
    let after_room: Value =
        app.get(&format!("/properties/{}", newer["id"])).send().await.unwrap().json().await.unwrap();
    let room_at = DateTime::parse_from_rfc3339(after_room["updated_at"].as_str().unwrap()).unwrap();
    assert!(room_at > edited_at, "a room change moves updated_at");
    assert_eq!(found(&app, &format!("updated_since={}", instant(room_at))).await, [id(&newer)]);
}

async fn different_filters_combine_with_and(app: TestApp) {
    let owner = app.user("ida").await;
    let other = app.user("jon").await;
    let rooms = json!([room("bedroom", 12.0), room("bedroom", 10.0), room("balcony", 5.0)]);
    let wanted = json!({"name": "Bright loft", "property_type": "apartment", "city": "Lyon", "rooms": rooms});
    let target = id(&create(&app, &owner, wanted.clone()).await);
    // Each differs from the target by one filter.
    let variants = [
        json!({"city": "Nice"}),
        json!({"property_type": "villa"}),
        json!({"name": "Dark loft"}),
        json!({"rooms": [room("bedroom", 12.0), room("office", 10.0), room("balcony", 5.0)]}),
        json!({"rooms": [room("bedroom", 12.0), room("bedroom", 10.0), room("garage", 5.0)]}),
        json!({"rooms": [room("bedroom", 12.0), room("bedroom", 10.0), room("balcony", 50.0)]}),
        json!({"rooms": [room("bedroom", 12.0), room("bedroom", 10.0)]}),
    ];
    for variant in variants {
        let mut body = wanted.clone();
        for (name, value) in variant.as_object().unwrap() {
            body[name] = value.clone();
        }
        create(&app, &owner, body).await;
    }
    create(&app, &other, wanted.clone()).await;
    let query = format!(
        "city=lyon&type=apartment&owner_id={}&min_rooms=3&max_rooms=3&min_area=20&max_area=30&min_bedrooms=2&has=balcony&q=bright&updated_since=2000-01-01T00:00:00Z",
        owner.id
    );

    assert_eq!(found(&app, &query).await, [target]);
    assert_eq!(found(&app, "city=lyon&type=apartment&min_bedrooms=2&has=balcony&q=bri").await.len(), 3);
}

// ------------------------------------------------------------------ sorts and pages

const SORTS: [&str; 8] = [
    "-created_at",
    "created_at",
    "-updated_at",
    "updated_at",
    "-total_area_m2",
    "total_area_m2",
    "-room_count",
    "room_count",
];

/// Eight properties that tie in every sort: three created together (same
/// `created_at` and `updated_at`), three of 10 m², four of 35 m², three of
/// one room and three of two; one edited after the others were created.
async fn properties_that_tie(app: &TestApp) -> Vec<Value> {
    let owner = app.user("kim").await;
    use RoomKind::{Bedroom, Kitchen};
    created_together(
        app,
        &owner,
        &[&[(Bedroom, 20.0), (Kitchen, 15.0)], &[(Bedroom, 20.0), (Kitchen, 15.0)], &[(Bedroom, 35.0)]],
    )
    .await;
    let a = create(app, &owner, json!({"rooms": [room("bedroom", 10.0)]})).await;
    create(app, &owner, json!({"rooms": [room("bedroom", 10.0)]})).await;
    create(app, &owner, json!({"rooms": [room("bedroom", 5.0), room("kitchen", 5.0)]})).await;
    create(
        app,
        &owner,
        json!({"rooms": [room("bedroom", 30.0), room("kitchen", 2.5), room("bathroom", 2.5)]}),
    )
    .await;
    create(app, &owner, json!({})).await;
    edit(app, &owner, &a, json!({"name": "Edited"})).await;
    let all = page(app, "limit=100").await;
    all["items"].as_array().unwrap().clone()
}

/// The value `sort` orders by, as a number (instants in microseconds).
fn sort_value(property: &Value, sort: &str) -> f64 {
    let field = sort.trim_start_matches('-');
    match field {
        "created_at" | "updated_at" => parse_instant(&property[field]).timestamp_micros() as f64,
        _ => property[field].as_f64().unwrap(),
    }
}

/// The ids of `items` in the order `sort` promises: by value, then by id,
/// both in the same direction.
fn in_order(items: &[Value], sort: &str) -> Vec<i64> {
    let mut keyed: Vec<(f64, i64)> = items.iter().map(|item| (sort_value(item, sort), id(item))).collect();
    keyed.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap().then(a.1.cmp(&b.1)));
    if sort.starts_with('-') {
        keyed.reverse();
    }
    keyed.into_iter().map(|(_, id)| id).collect()
}

async fn every_sort_orders_by_value_then_id_and_pages_through_every_match_once(app: TestApp) {
    let all = properties_that_tie(&app).await;
    assert_eq!(all.len(), 8);

    for sort in SORTS {
        let answered = found(&app, &format!("sort={sort}")).await;

        let values: Vec<f64> = all.iter().map(|item| sort_value(item, sort)).collect();
        let distinct: HashSet<u64> = values.iter().map(|value| value.to_bits()).collect();
        assert!(distinct.len() < values.len(), "{sort}: the data ties on purpose");
        assert_eq!(answered, in_order(&all, sort), "sort={sort}");
    }
    assert_eq!(found(&app, "").await, in_order(&all, "-created_at"), "newest first by default");

    for sort in SORTS {
        let mut pages = Pages::new(&app, format!("/properties?sort={sort}&limit=2"), None);
        let mut walked = Vec::new();
        while let Some(page) = pages.next().await {
            assert!(page.len() <= 2 && !page.is_empty(), "{sort}: pages of at most 2, none empty");
            walked.extend(page);
        }

        assert_eq!(ids(&walked), in_order(&all, sort), "sort={sort}");
        assert_eq!(pages.pages, 4, "{sort}: 8 matches in pages of 2");
    }
    let filtered = Pages::new(&app, "/properties?q=twin&sort=-room_count&limit=2".into(), None).all().await;
    assert_eq!(filtered.len(), 3, "a filtered walk");

    // Newest first with a room filter or words, a page is found ids first
    // (crates/adapters-db/src/search.rs): the same order, ties and pages.
    type Keep = fn(&Value) -> bool;
    let newest_first = |keep: Keep| {
        let kept: Vec<Value> = all.iter().filter(|item| keep(item)).cloned().collect();
        in_order(&kept, "-created_at")
    };
    let filters: [(&str, Keep); 3] = [
        ("q=twin", |item| item["name"] == "Twin"),
        ("min_rooms=2", |item| item["room_count"].as_u64().unwrap() >= 2),
        ("min_area=20", |item| item["total_area_m2"].as_f64().unwrap() >= 20.0),
    ];
    for (filter, keep) in filters {
        let walked = Pages::new(&app, format!("/properties?{filter}&limit=2"), None).all().await;
        let expected = newest_first(keep);
        assert!(expected.len() > 2, "{filter}: more than one page");
        assert_eq!(ids(&walked), expected, "{filter}");
    }
}

async fn pages_neither_skip_nor_repeat_while_properties_are_created(app: TestApp) {
    let existing = properties_that_tie(&app).await;
    let owner = app.user("lea").await;
    let (mut created, mut appeared) = (0_usize, 0_usize);

    for sort in SORTS {
        let mut pages = Pages::new(&app, format!("/properties?sort={sort}&limit=2"), None);
        let mut walked: Vec<Value> = Vec::new();
        let mut during = Vec::new();
        while let Some(page) = pages.next().await {
            walked.extend(page);
            // Somewhere in every order: before, after or among what is left.
            let rooms: Vec<Value> = (0..created % 4)
                .map(|i| room("office", [2.5, 10.0, 35.0, 60.0][(created + i) % 4]))
                .collect();
            during.push(create(&app, &owner, json!({"rooms": rooms})).await);
            created += 1;
        }

        let seen = ids(&walked);
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len(), "{sort}: nothing repeated");
        for property in &existing {
            assert!(seen.contains(&id(property)), "{sort}: {} not skipped", property["id"]);
        }
        assert_eq!(seen, in_order(&walked, sort), "{sort}: still in order");
        appeared += during.iter().filter(|property| seen.contains(&id(property))).count();
        // The next sort walks the same eight again.
        for property in during {
            let response =
                app.delete(&format!("/properties/{}", property["id"])).bearer_auth(&owner.token).send().await;
            assert_eq!(response.unwrap().status(), StatusCode::NO_CONTENT);
        }
    }
    assert!(appeared > 0, "some properties created during a walk were in it");
}

async fn a_cursor_continues_its_own_query_only(app: &TestApp) {
    let owner = app.user("max").await;
    let mut lyon = Vec::new();
    for _ in 0..4 {
        lyon.push(id(&create(app, &owner, json!({"city": "Lyon"})).await));
    }
    create(app, &owner, json!({"city": "Nice"})).await;
    lyon.reverse();
    let first = page(app, "city=lyon&limit=2").await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();

    let next = page(app, &format!("city=lyon&limit=2&cursor={cursor}")).await;
    let wider = page(app, &format!("city=lyon&limit=5&cursor={cursor}")).await;
    let narrower = page(app, &format!("limit=1&cursor={cursor}&city=Lyon&sort=-created_at")).await;

    assert_eq!(ids(next["items"].as_array().unwrap()), lyon[2..]);
    assert_eq!(ids(wider["items"].as_array().unwrap()), lyon[2..], "only the limit changed");
    assert!(wider["next_cursor"].is_null());
    assert_eq!(ids(narrower["items"].as_array().unwrap()), lyon[2..3], "the same query written otherwise");
    for other in [
        "",
        "city=nice",
        "city=lyon&city=nice",
        "city=lyon&sort=created_at",
        "city=lyon&sort=-updated_at",
        "city=lyon&type=house",
        "city=lyon&q=plain",
        "city=lyon&min_rooms=0",
        "city=lyon&has=garage",
        &format!("city=lyon&owner_id={}", owner.id),
    ] {
        let response = app.get(&format!("/properties?{other}&cursor={cursor}")).send().await.unwrap();

        let problem = assert_problem(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(problem_fields(&problem), ["cursor"], "cursor with {other:?}: {problem}");
    }
}

async fn a_tampered_or_garbage_cursor_is_a_400_naming_it(app: &TestApp) {
    let owner = app.user("ned").await;
    let admin = app.admin().await;
    for _ in 0..3 {
        create(app, &owner, json!({})).await;
    }
    let cursor = page(app, "limit=1").await["next_cursor"].as_str().unwrap().to_owned();
    let users: Value =
        app.get("/users?limit=1").bearer_auth(&admin.token).send().await.unwrap().json().await.unwrap();
    let user_cursor = users["next_cursor"].as_str().unwrap().to_owned();
    let mut cursors: Vec<String> = ["not-a-cursor", "", "%20", "AAAA", "djI", "djIu", "%00", "%FF"]
        .into_iter()
        .map(String::from)
        .collect();
    cursors.push("A".repeat(300));
    cursors.push(user_cursor.clone());
    cursors.push(cursor[..cursor.len() - 1].to_owned());
    cursors.push(format!("{cursor}A"));
    // Every one-character change.
    for (index, c) in cursor.char_indices() {
        let replacement = if c == 'A' { 'B' } else { 'A' };
        cursors.push(format!("{}{replacement}{}", &cursor[..index], &cursor[index + 1..]));
    }

    for bad in &cursors {
        let response = app.get(&format!("/properties?limit=1&cursor={bad}")).send().await.unwrap();

        let problem = assert_problem(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(problem_fields(&problem), ["cursor"], "cursor={bad}: {problem}");
    }
    let response =
        app.get(&format!("/users?limit=1&cursor={cursor}")).bearer_auth(&admin.token).send().await.unwrap();
    let problem = assert_problem(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(problem_fields(&problem), ["cursor"], "a property cursor on /users");
    let response = app
        .get(&format!("/users?limit=1&q=admin&cursor={user_cursor}"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(problem_fields(&problem), ["cursor"], "a directory cursor of another query");
}

// ------------------------------------------------------------------ malformed queries

/// The query parameters of `GET /properties`, as the contract lists them.
pub(crate) const PARAMETERS: [&str; 14] = [
    "city",
    "type",
    "owner_id",
    "min_rooms",
    "max_rooms",
    "min_area",
    "max_area",
    "min_bedrooms",
    "has",
    "q",
    "updated_since",
    "sort",
    "limit",
    "cursor",
];

async fn every_malformed_value_is_a_400_naming_its_parameter(app: &TestApp) {
    let eleven_words = "a b c d e f g h i j k";
    let long_word = "x".repeat(51);
    let mut cases: Vec<(String, Vec<&str>)> = Vec::new();
    for name in PARAMETERS {
        cases.push((format!("{name}="), vec![name]));
        cases.push((format!("{name}=%20"), vec![name]));
    }
    for (name, value) in [
        ("city", "Lyon"),
        ("type", "house"),
        ("owner_id", "1"),
        ("min_rooms", "1"),
        ("max_rooms", "1"),
        ("min_area", "1"),
        ("max_area", "1"),
        ("min_bedrooms", "1"),
        ("q", "sun"),
        ("updated_since", "2026-01-01T00:00:00Z"),
        ("sort", "created_at"),
        ("limit", "1"),
    ] {
        if ["city", "type"].contains(&name) {
            cases.push((format!("{name}={value}&{name}="), vec![name]));
        } else {
            cases.push((format!("{name}={value}&{name}={value}"), vec![name]));
        }
    }
    let table: &[(&str, &[&str])] = &[
        // Negative.
        ("owner_id=-1", &["owner_id"]),
        ("min_rooms=-1", &["min_rooms"]),
        ("max_rooms=-2", &["max_rooms"]),
        ("min_area=-0.5", &["min_area"]),
        ("max_area=-1", &["max_area"]),
        ("min_bedrooms=-1", &["min_bedrooms"]),
        ("limit=-1", &["limit"]),
        // Not a number, or not one of the right kind.
        ("owner_id=abc", &["owner_id"]),
        ("owner_id=0", &["owner_id"]),
        ("owner_id=1.5", &["owner_id"]),
        ("owner_id=99999999999999999999", &["owner_id"]),
        ("min_rooms=two", &["min_rooms"]),
        ("min_rooms=1.5", &["min_rooms"]),
        ("max_rooms=1e3", &["max_rooms"]),
        ("min_rooms=99999999999999999999", &["min_rooms"]),
        ("min_area=abc", &["min_area"]),
        ("min_area=NaN", &["min_area"]),
        ("max_area=inf", &["max_area"]),
        ("min_area=1,5", &["min_area"]),
        ("min_bedrooms=x", &["min_bedrooms"]),
        ("limit=abc", &["limit"]),
        ("limit=2.0", &["limit"]),
        ("limit=%2B5", &["limit"]),
        // Bounds the wrong way round.
        ("min_rooms=3&max_rooms=2", &["min_rooms"]),
        ("min_area=30.5&max_area=30.4", &["min_area"]),
        // Not one of the values.
        ("has=sauna", &["has"]),
        ("has=balcony&has=sauna", &["has"]),
        ("sort=price", &["sort"]),
        ("sort=--created_at", &["sort"]),
        ("sort=%2Bcreated_at", &["sort"]),
        ("sort=CREATED_AT", &["sort"]),
        ("limit=0", &["limit"]),
        ("limit=101", &["limit"]),
        // Words.
        ("q=--", &["q"]),
        ("q=!%3F.", &["q"]),
        ("city=%20-%20", &["city"]),
        ("city=--", &["city"]),
        ("updated_since=yesterday", &["updated_since"]),
        ("updated_since=2026-01-01", &["updated_since"]),
        ("updated_since=2026-01-01T00:00:00", &["updated_since"]),
        ("updated_since=2026-13-01T00:00:00Z", &["updated_since"]),
        // What no database stores, and what is not text.
        ("city=%00", &["city"]),
        ("q=sun%00", &["q"]),
        ("type=ho%00use", &["type"]),
        ("city=Lyon%0A", &["city"]),
        ("q=%ff", &["q"]),
        ("city=%C3%28", &["city"]),
        // Unknown parameters.
        ("page=2", &["page"]),
        ("City=Lyon", &["City"]),
        ("sort_by=created_at&limit=5", &["sort_by"]),
        ("offset=10&colour=red", &["colour", "offset"]),
        // Several at once, whatever is wrong with each.
        ("colour=red&limit=0", &["colour", "limit"]),
        ("limit=0&sort=price&has=sauna&min_area=-1", &["has", "limit", "min_area", "sort"]),
        ("city=%00&q=%ff&limit=0", &["city", "limit", "q"]),
        ("owner_id=x&min_rooms=5&max_rooms=1&updated_since=now", &["min_rooms", "owner_id", "updated_since"]),
    ];
    cases.extend(table.iter().map(|(query, fields)| ((*query).to_owned(), fields.to_vec())));
    cases.push((format!("q={eleven_words}"), vec!["q"]));
    cases.push((format!("q=sun {long_word}"), vec!["q"]));

    for (query, expected) in &cases {
        let response = app.get(&format!("/properties?{query}")).send().await.unwrap();

        let problem = assert_problem(response, StatusCode::BAD_REQUEST).await;
        let mut fields = problem_fields(&problem);
        fields.sort();
        assert_eq!(fields, *expected, "{query}: {problem}");
    }
}

async fn the_limits_of_a_query_are_accepted(app: &TestApp) {
    let ten_words = "a b c d e f g h i j";
    let word = "x".repeat(50);
    for query in [
        format!("q={ten_words}"),
        format!("q={word}"),
        "limit=1".into(),
        "limit=100".into(),
        "min_rooms=0&max_rooms=0".into(),
        "min_area=0&max_area=0".into(),
        "min_area=1e2".into(),
        "min_bedrooms=0".into(),
        "updated_since=2026-01-01T00:00:00.123456%2B02:00".into(),
        "updated_since=2026-01-01t00:00:00z".into(),
    ] {
        let response = app.get(&format!("/properties?{query}")).send().await.unwrap();

        assert_eq!(response.status(), StatusCode::OK, "{query}");
    }
}

// ------------------------------------------------------------------ the admin directory

/// Registers a user; returns its id.
async fn register(app: &TestApp, email: &str, first_name: &str, last_name: &str) -> i64 {
    let body =
        json!({"email": email, "password": PASSWORD, "first_name": first_name, "last_name": last_name});
    let response = app.post("/users", &body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "registering {email}");
    response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn directory(app: &TestApp, admin: &TestUser, query: &str) -> Vec<i64> {
    let response =
        app.get(&format!("/users?{query}&limit=100")).bearer_auth(&admin.token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET /users?{query}");
    let page: Value = response.json().await.unwrap();
    ids(page["items"].as_array().unwrap())
}

async fn the_directory_is_for_admins_only(app: &TestApp) {
    let user = app.user("ola").await;

    let anonymous = app.get("/users").send().await.unwrap();
    let expired = app.get("/users").bearer_auth("v4.public.garbage").send().await.unwrap();
    let forbidden = app.get("/users").bearer_auth(&user.token).send().await.unwrap();

    assert_eq!(anonymous.headers()["www-authenticate"].to_str().unwrap().split(' ').next(), Some("Bearer"));
    assert_problem(anonymous, StatusCode::UNAUTHORIZED).await;
    assert_problem(expired, StatusCode::UNAUTHORIZED).await;
    assert_problem(forbidden, StatusCode::FORBIDDEN).await;
}

async fn the_directory_checks_authentication_before_the_query(app: &TestApp) {
    let user = app.user("pia").await;

    for query in ["role=boss", "limit=0", "colour=red", "q=%00"] {
        let anonymous = app.get(&format!("/users?{query}")).send().await.unwrap();
        let as_user = app.get(&format!("/users?{query}")).bearer_auth(&user.token).send().await.unwrap();

        assert_problem(anonymous, StatusCode::UNAUTHORIZED).await;
        // Syntax comes before rights.
        assert_problem(as_user, StatusCode::BAD_REQUEST).await;
    }
}

async fn an_unknown_parameter_of_a_route_that_needs_a_token_comes_after_authentication(app: &TestApp) {
    let user = app.user("ria").await;

    let anonymous = app.patch("/users/me?colour=red", &json!({})).send().await.unwrap();
    let authenticated =
        app.patch("/users/me?colour=red", &json!({})).bearer_auth(&user.token).send().await.unwrap();
    let public = app.get("/properties/1?colour=red").send().await.unwrap();

    assert_problem(anonymous, StatusCode::UNAUTHORIZED).await;
    let problem = assert_problem(authenticated, StatusCode::BAD_REQUEST).await;
    assert_eq!(problem_fields(&problem), ["colour"]);
    let problem = assert_problem(public, StatusCode::BAD_REQUEST).await;
    assert_eq!(problem_fields(&problem), ["colour"]);
}

async fn the_directory_finds_word_prefixes_of_email_and_names_folded(app: TestApp) {
    let admin = app.admin().await;
    let elodie = register(&app, "edurand@example.com", "Élodie", "Durand").await;
    let marc = register(&app, "marc.elon@example.org", "Marc", "Petit").await;
    let zoe = register(&app, "zoe@example.net", "Zoé", "Lodie-Martin").await;

    let cases: &[(&str, &[i64])] = &[
        ("elo", &[marc, elodie]),
        ("ELO", &[marc, elodie]),
        ("Élo", &[marc, elodie]),
        ("elo dur", &[elodie]),
        ("durand", &[elodie]),
        ("edur", &[elodie]),
        ("lodie", &[zoe]),
        ("martin zoe", &[zoe]),
        ("zoé", &[zoe]),
        ("example", &[zoe, marc, elodie, admin.id]),
        ("org", &[marc]),
        ("odie", &[]),
        ("urand", &[]),
        ("zzz", &[]),
    ];
    for (q, expected) in cases {
        assert_eq!(directory(&app, &admin, &format!("q={q}")).await, *expected, "q={q}");
    }
}

async fn the_directory_filters_by_role(app: TestApp) {
    let admin = app.admin().await;
    let user = app.user("quinn").await;
    let other = app.user("rex").await;

    assert_eq!(directory(&app, &admin, "role=admin").await, [admin.id]);
    assert_eq!(directory(&app, &admin, "role=user").await, [other.id, user.id]);
    assert_eq!(directory(&app, &admin, "role=admin&q=rex").await, Vec::<i64>::new());
    assert_eq!(directory(&app, &admin, "role=user&q=rex").await, [other.id]);
    assert_eq!(directory(&app, &admin, "").await, [other.id, user.id, admin.id]);
}

async fn the_directory_pages_newest_first_without_hashes_or_caching(app: TestApp) {
    let admin = app.admin().await;
    let mut everyone = vec![admin.id];
    for name in ["sue", "tim", "ulf", "vera", "walt"] {
        everyone.push(app.user(name).await.id);
    }
    everyone.reverse();

    let walked = Pages::new(&app, "/users?limit=2".into(), Some(&admin.token)).all().await;
    let filtered =
        Pages::new(&app, "/users?limit=2&q=example&role=user".into(), Some(&admin.token)).all().await;
    let response = app.get("/users?limit=2").bearer_auth(&admin.token).send().await.unwrap();

    assert_eq!(ids(&walked), everyone, "newest first, each once");
    assert_eq!(ids(&filtered), everyone[..5], "a filtered walk");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let text = response.text().await.unwrap();
    for secret in ["password", "argon2", "hash", PASSWORD] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    for item in &walked {
        let mut fields: Vec<&str> = item.as_object().unwrap().keys().map(String::as_str).collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            ["birth_date", "created_at", "email", "first_name", "id", "last_name", "role", "updated_at"]
        );
    }
}

async fn a_bad_directory_query_is_a_400_naming_it(app: &TestApp) {
    let admin = app.admin().await;
    let table: &[(&str, &[&str])] = &[
        ("role=boss", &["role"]),
        ("role=", &["role"]),
        ("role=ADMIN", &["role"]),
        ("role=admin&role=user", &["role"]),
        ("limit=0", &["limit"]),
        ("limit=101", &["limit"]),
        ("limit=abc", &["limit"]),
        ("limit=1&limit=2", &["limit"]),
        ("q=--", &["q"]),
        ("q=a b c d e f g h i j k", &["q"]),
        ("q=%ff", &["q"]),
        ("cursor=nonsense", &["cursor"]),
        ("city=Lyon", &["city"]),
        ("role=boss&limit=0", &["limit", "role"]),
        ("role=boss&colour=red", &["colour", "role"]),
    ];
    for (query, expected) in table {
        let response = app.get(&format!("/users?{query}")).bearer_auth(&admin.token).send().await.unwrap();

        assert_eq!(response.headers()["cache-control"], "no-store", "{query}");
        let problem = assert_problem(response, StatusCode::BAD_REQUEST).await;
        let mut fields = problem_fields(&problem);
        fields.sort();
        assert_eq!(fields, *expected, "{query}: {problem}");
    }
}

// ------------------------------------------------------------------ conditional requests

/// GET `path` with `If-None-Match: if_none_match` (when given).
async fn get_if_none_match(app: &TestApp, path: &str, if_none_match: Option<&str>) -> reqwest::Response {
    let mut request = app.get(path);
    if let Some(tags) = if_none_match {
        request = request.header("if-none-match", tags);
    }
    request.send().await.unwrap()
}

fn etag_of(response: &reqwest::Response) -> String {
    response.headers().get("etag").expect("an ETag").to_str().unwrap().to_owned()
}

/// Asserts a 304 with `etag`, `Cache-Control: no-cache` and no body.
async fn assert_not_modified(response: reqwest::Response, etag: &str, what: &str) {
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{what}");
    assert_eq!(etag_of(&response), etag, "{what}: the 304 carries the tag");
    assert_eq!(response.headers()["cache-control"], "no-cache", "{what}");
    assert!(response.bytes().await.unwrap().is_empty(), "{what}: a 304 has no body");
}

/// Asserts a full 200 answer with `etag` and `Cache-Control: no-cache`.
fn assert_full(response: &reqwest::Response, etag: &str, what: &str) {
    assert_eq!(response.status(), StatusCode::OK, "{what}");
    assert_eq!(etag_of(response), etag, "{what}");
    assert_eq!(response.headers()["cache-control"], "no-cache", "{what}");
}

async fn reads_of_a_property_and_its_rooms_revalidate_with_its_strong_etag(app: &TestApp) {
    let owner = app.user("xav").await;
    let property = create(app, &owner, json!({"rooms": [room("bedroom", 9.0)]})).await;
    let base = format!("/properties/{}", property["id"]);
    let paths =
        [base.clone(), format!("{base}/rooms"), format!("{base}/rooms/{}", property["rooms"][0]["id"])];

    for path in &paths {
        let response = get_if_none_match(app, path, None).await;
        assert_full(&response, "\"1\"", path);
        let body = response.bytes().await.unwrap();

        for tags in ["\"1\"", "*", "\"7\", \"1\"", "W/\"1\"", "\"0\",W/\"1\""] {
            let response = get_if_none_match(app, path, Some(tags)).await;
            assert_not_modified(response, "\"1\"", &format!("{path} If-None-Match: {tags}")).await;
        }
        for tags in ["\"2\"", "W/\"2\"", "\"10\"", "garbage", "\"\""] {
            let response = get_if_none_match(app, path, Some(tags)).await;
            assert_full(&response, "\"1\"", &format!("{path} If-None-Match: {tags}"));
            assert_eq!(response.bytes().await.unwrap(), body, "{path}: the same answer");
        }
    }
}

async fn a_change_gives_the_old_tag_a_full_answer_with_the_new_one(app: &TestApp) {
    let owner = app.user("yul").await;
    let property = create(app, &owner, json!({"rooms": [room("bedroom", 9.0)]})).await;
    let base = format!("/properties/{}", property["id"]);
    let room_path = format!("{base}/rooms/{}", property["rooms"][0]["id"]);
    let paths = [base.clone(), format!("{base}/rooms"), room_path.clone()];

    edit(app, &owner, &property, json!({"name": "Renamed"})).await;
    for path in &paths {
        let response = get_if_none_match(app, path, Some("\"1\"")).await;
        assert_full(&response, "\"2\"", &format!("{path} after a PATCH"));
        assert_not_modified(get_if_none_match(app, path, Some("\"2\"")).await, "\"2\"", path).await;
    }

    add_room(app, &owner, &property, room("office", 7.0)).await;
    let rooms = get_if_none_match(app, &format!("{base}/rooms"), Some("\"2\"")).await;
    assert_full(&rooms, "\"3\"", "rooms after a room was added");
    assert_eq!(rooms.json::<Vec<Value>>().await.unwrap().len(), 2);
    let read = get_if_none_match(app, &base, Some("\"2\"")).await;
    assert_full(&read, "\"3\"", "the property after a room was added");
    assert_eq!(read.json::<Value>().await.unwrap()["room_count"], 2);
    let untouched_room = get_if_none_match(app, &room_path, Some("\"2\"")).await;
    assert_full(&untouched_room, "\"3\"", "another room of the property: its tag is the property's");
    assert_not_modified(get_if_none_match(app, &room_path, Some("\"3\"")).await, "\"3\"", &room_path).await;

    let response =
        app.patch(&room_path, &json!({"area_m2": 11.5})).bearer_auth(&owner.token).send().await.unwrap();
    assert_eq!(etag_of(&response), "\"4\"");
    for path in &paths {
        assert_full(&get_if_none_match(app, path, Some("\"3\"")).await, "\"4\"", path);
    }
}

async fn a_page_carries_a_weak_etag_of_its_content(app: &TestApp) {
    let owner = app.user("zed").await;
    let first = create(app, &owner, json!({"city": "Lyon"})).await;
    create(app, &owner, json!({"city": "Lyon"})).await;
    let path = "/properties?city=lyon&limit=10";

    let response = get_if_none_match(app, path, None).await;
    let tag = etag_of(&response);
    assert!(tag.starts_with("W/\"") && tag.ends_with('"'), "a weak tag: {tag}");
    assert_full(&response, &tag, path);
    assert_not_modified(get_if_none_match(app, path, Some(&tag)).await, &tag, path).await;
    let strong_form = tag.trim_start_matches("W/").to_owned();
    assert_not_modified(get_if_none_match(app, path, Some(&strong_form)).await, &tag, "weak comparison")
        .await;
    assert_not_modified(get_if_none_match(app, path, Some(&format!("\"x\", {tag}"))).await, &tag, "a list")
        .await;
    let other_instance = app.another_instance().await;
    let response = get_if_none_match(&other_instance, path, Some(&tag)).await;
    assert_not_modified(response, &tag, "the same tag from another instance").await;

    create(app, &owner, json!({"city": "Nice"})).await;
    assert_not_modified(get_if_none_match(app, path, Some(&tag)).await, &tag, "another city's page changed")
        .await;

    edit(app, &owner, &first, json!({"description": "Now described"})).await;
    let response = get_if_none_match(app, path, Some(&tag)).await;
    assert_eq!(response.status(), StatusCode::OK, "a property of the page was edited");
    let edited_tag = etag_of(&response);
    assert_ne!(edited_tag, tag);
    assert!(edited_tag.starts_with("W/\""));
    assert_eq!(response.json::<Value>().await.unwrap()["items"][1]["description"], "Now described");
    assert_not_modified(get_if_none_match(app, path, Some(&edited_tag)).await, &edited_tag, path).await;

    add_room(app, &owner, &first, room("office", 5.0)).await;
    let after_room = get_if_none_match(app, path, Some(&edited_tag)).await;
    assert_eq!(after_room.status(), StatusCode::OK, "a room of a property of the page was added");
    let room_tag = etag_of(&after_room);

    create(app, &owner, json!({"city": "Lyon"})).await;
    let after_creation = get_if_none_match(app, path, Some(&room_tag)).await;
    assert_eq!(after_creation.status(), StatusCode::OK, "a new property joined the page");
    assert_eq!(after_creation.json::<Value>().await.unwrap()["items"].as_array().unwrap().len(), 3);
}

async fn the_type_catalogue_carries_a_weak_etag_of_its_content(app: &TestApp) {
    let admin = app.admin().await;
    let list = get_if_none_match(app, "/property-types", None).await;
    let list_tag = etag_of(&list);
    assert!(list_tag.starts_with("W/\""), "{list_tag}");
    assert_full(&list, &list_tag, "/property-types");
    let one = get_if_none_match(app, "/property-types/house", None).await;
    let house_tag = etag_of(&one);
    assert!(house_tag.starts_with("W/\""), "{house_tag}");
    assert_full(&one, &house_tag, "/property-types/house");
    assert_not_modified(get_if_none_match(app, "/property-types", Some(&list_tag)).await, &list_tag, "list")
        .await;
    assert_not_modified(
        get_if_none_match(app, "/property-types/house", Some(&house_tag)).await,
        &house_tag,
        "one",
    )
    .await;
    assert_not_modified(get_if_none_match(app, "/property-types/house", Some("*")).await, &house_tag, "*")
        .await;

    let created = app
        .post("/property-types", &json!({"slug": "chalet", "name": "Chalet"}))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let list = get_if_none_match(app, "/property-types", Some(&list_tag)).await;
    assert_eq!(list.status(), StatusCode::OK, "a type was added");
    let new_list_tag = etag_of(&list);
    assert_ne!(new_list_tag, list_tag);
    assert!(list.json::<Vec<Value>>().await.unwrap().iter().any(|t| t["slug"] == "chalet"));
    assert_not_modified(
        get_if_none_match(app, "/property-types/house", Some(&house_tag)).await,
        &house_tag,
        "house",
    )
    .await;

    let chalet_tag = etag_of(&get_if_none_match(app, "/property-types/chalet", None).await);
    let deleted = app.delete("/property-types/chalet").bearer_auth(&admin.token).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    app.post("/property-types", &json!({"slug": "chalet", "name": "Mountain chalet"}))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    let renamed = get_if_none_match(app, "/property-types/chalet", Some(&chalet_tag)).await;
    assert_eq!(renamed.status(), StatusCode::OK, "the type's content changed");
    assert_ne!(etag_of(&renamed), chalet_tag);
    let renamed_list = get_if_none_match(app, "/property-types", Some(&new_list_tag)).await;
    assert_eq!(renamed_list.status(), StatusCode::OK, "the catalogue's content changed");
}

// ------------------------------------------------------------------ the OpenAPI description

/// `schema`, or what its `$ref` points at (which must exist).
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.strip_prefix("#/components/schemas/").expect("a local schema reference");
            let target = &document["components"]["schemas"][name];
            assert!(target.is_object(), "{reference} resolves in the document");
            target
        }
        None => schema,
    }
}

/// The JSON Schema type of `schema` (3.1 may list `"null"` beside it).
fn type_of(schema: &Value) -> String {
    match &schema["type"] {
        Value::String(name) => name.clone(),
        Value::Array(names) => {
            names.iter().filter_map(Value::as_str).find(|name| *name != "null").unwrap_or_default().to_owned()
        }
        other => panic!("no type in {schema}: {other}"),
    }
}

/// Every `$ref` in `value`.
fn collect_references(value: &Value, references: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                references.push(reference.clone());
            }
            map.values().for_each(|value| collect_references(value, references));
        }
        Value::Array(values) => values.iter().for_each(|value| collect_references(value, references)),
        _ => {}
    }
}

fn enum_of(schema: &Value) -> Vec<String> {
    schema["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("an enum in {schema}"))
        .iter()
        .filter_map(|value| value.as_str().map(String::from))
        .collect()
}

async fn the_openapi_document_offers_every_search_parameter(app: TestApp) {
    let document: Value = app.get("/openapi.json").send().await.unwrap().json().await.unwrap();
    let parameters = |path: &str| -> Vec<Value> {
        document["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|parameter| parameter["in"] == "query")
            .cloned()
            .collect()
    };
    let properties = parameters("/properties");
    let schema = |name: &str| -> Value {
        let parameter = properties.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(parameter["required"], false, "{name} is optional");
        resolve(&document, &parameter["schema"]).clone()
    };

    let names: Vec<&str> = properties.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, PARAMETERS, "every parameter of §4.1, in the query");
    for name in ["city", "type", "has"] {
        let parameter = properties.iter().find(|p| p["name"] == name).unwrap();
        assert_eq!(type_of(&schema(name)), "array", "{name} repeats");
        assert_eq!(parameter["explode"], true, "{name}=a&{name}=b");
    }
    assert_eq!(type_of(&resolve(&document, &schema("city")["items"]).clone()), "string");
    let kinds = resolve(&document, &schema("has")["items"]).clone();
    assert_eq!(type_of(&kinds), "string");
    assert_eq!(
        enum_of(&kinds),
        [
            "living_room",
            "bedroom",
            "kitchen",
            "bathroom",
            "toilet",
            "dining_room",
            "office",
            "storage",
            "garage",
            "balcony",
            "other"
        ]
    );
    for name in ["owner_id", "min_rooms", "max_rooms", "min_bedrooms", "limit"] {
        assert_eq!(type_of(&schema(name)), "integer", "{name}");
    }
    for name in ["min_rooms", "max_rooms", "min_bedrooms", "min_area", "max_area"] {
        assert_eq!(schema(name)["minimum"], 0, "{name} ≥ 0");
    }
    assert_eq!(schema("owner_id")["minimum"], 1);
    for name in ["min_area", "max_area"] {
        assert_eq!(type_of(&schema(name)), "number", "{name}");
    }
    let limit = schema("limit");
    assert_eq!(
        (&limit["minimum"], &limit["maximum"], &limit["default"]),
        (&json!(1), &json!(100), &json!(20))
    );
    let sort = schema("sort");
    assert_eq!(type_of(&sort), "string");
    assert_eq!(enum_of(&sort), SORTS);
    assert_eq!(sort["default"], "-created_at");
    let since = schema("updated_since");
    assert_eq!((type_of(&since).as_str(), since["format"].as_str()), ("string", Some("date-time")));
    for name in ["q", "cursor"] {
        assert_eq!(type_of(&schema(name)), "string", "{name}");
    }

    let mut references = Vec::new();
    collect_references(&document, &mut references);
    for reference in references {
        let name = reference.strip_prefix("#/components/").and_then(|path| path.split_once('/'));
        let (kind, name) = name.unwrap_or_else(|| panic!("a local reference: {reference}"));
        assert!(document["components"][kind][name].is_object(), "{reference} resolves in the document");
    }

    let users = parameters("/users");
    let names: Vec<&str> = users.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["q", "role", "limit", "cursor"]);
    let role = resolve(&document, &users[1]["schema"]).clone();
    assert_eq!(type_of(&role), "string");
    assert_eq!(enum_of(&role), ["user", "admin"], "Try it out offers the roles");
    assert_eq!(type_of(&resolve(&document, &users[2]["schema"]).clone()), "integer");
}

async fn the_directory_checks_authentication_then_the_query_then_the_role(app: TestApp) {
    the_directory_is_for_admins_only(&app).await;
    the_directory_checks_authentication_before_the_query(&app).await;
    an_unknown_parameter_of_a_route_that_needs_a_token_comes_after_authentication(&app).await;
    a_bad_directory_query_is_a_400_naming_it(&app).await;
}

async fn every_malformed_value_is_a_400_naming_its_parameter_and_the_limits_pass(app: TestApp) {
    every_malformed_value_is_a_400_naming_its_parameter(&app).await;
    the_limits_of_a_query_are_accepted(&app).await;
}

async fn a_cursor_is_refused_with_another_query_or_once_edited(app: TestApp) {
    a_cursor_continues_its_own_query_only(&app).await;
    a_tampered_or_garbage_cursor_is_a_400_naming_it(&app).await;
}

async fn property_reads_revalidate_with_the_strong_etag_until_a_change(app: TestApp) {
    reads_of_a_property_and_its_rooms_revalidate_with_its_strong_etag(&app).await;
    a_change_gives_the_old_tag_a_full_answer_with_the_new_one(&app).await;
}

async fn pages_and_the_type_catalogue_carry_a_weak_etag_of_their_content(app: TestApp) {
    a_page_carries_a_weak_etag_of_its_content(&app).await;
    the_type_catalogue_carries_a_weak_etag_of_its_content(&app).await;
}

crate::on_every_backend!(
    repeated_cities_are_alternatives_compared_folded,
    repeated_types_are_alternatives_and_an_unknown_one_matches_nothing,
    owner_id_keeps_one_owners_properties,
    room_count_bounds_are_inclusive,
    area_bounds_are_inclusive_at_a_decimal_boundary,
    min_bedrooms_counts_bedrooms_only_as_rooms_change,
    every_has_kind_is_required,
    each_q_word_must_start_a_word_of_the_name_or_the_description,
    a_word_searched_before_longer_words_appear_still_finds_them,
    updated_since_is_inclusive_and_follows_edits,
    different_filters_combine_with_and,
    every_sort_orders_by_value_then_id_and_pages_through_every_match_once,
    pages_neither_skip_nor_repeat_while_properties_are_created,
    a_cursor_is_refused_with_another_query_or_once_edited,
    every_malformed_value_is_a_400_naming_its_parameter_and_the_limits_pass,
    the_directory_checks_authentication_then_the_query_then_the_role,
    the_directory_finds_word_prefixes_of_email_and_names_folded,
    the_directory_filters_by_role,
    the_directory_pages_newest_first_without_hashes_or_caching,
    property_reads_revalidate_with_the_strong_etag_until_a_change,
    pages_and_the_type_catalogue_carry_a_weak_etag_of_their_content,
    the_openapi_document_offers_every_search_parameter,
);
