//! `PropertyRepository::list` of words alone, in the order of creation,
//! found either way the adapter knows: from a rare word's entries in the
//! word index, or by the walk of the newest-first index that probes each
//! property's words. Each test runs both (`Database::with_rare_word_matches`
//! makes every word rare, or none) and expects the same pages.

use std::collections::HashSet;

use realty_adapters_db::{Database, PoolOptions};
use realty_domain::ports::PropertyRepository;
use realty_domain::{
    CityKey, Description, Keyset, Property, PropertyId, PropertyQuery, Sort, SortKey, UserId,
};

use crate::fixture::{TestDb, at, contract_tests, create, ids, new_property, query, register, words};

contract_tests!(
    both_ways_find_every_match_once_in_the_order_of_creation,
    both_ways_page_through_words_while_properties_are_created,
    a_rare_word_starts_the_page_and_a_common_one_leaves_it_to_the_walk,
    whether_a_word_is_rare_is_asked_once_then_remembered,
    a_word_that_has_grown_another_since_it_was_asked_about_still_finds_every_match,
    known_words_page_alike_through_the_statement_planned_once,
);

/// The two ways, by name: every word rare, or none (a word with no entry
/// at all is rare either way, and its page empty).
fn both_ways(db: &Database) -> [(&'static str, Database); 2] {
    [
        ("from the rare word's entries", db.clone().with_rare_word_matches(u32::MAX)),
        ("by the walk", db.clone().with_rare_word_matches(0)),
    ]
}

/// Descriptions of lower-case ASCII words (folding leaves them as they
/// are), two properties created at each minute so that the order ties on
/// `created_at`. "mont" starts two words of the fourth ("montvermont" and
/// "montagne"): a prefix matching a property twice.
const DESCRIPTIONS: [&str; 12] = [
    "quiet rue montvermont",
    "quiet garden",
    "montagne view",
    "quiet rue montvermont montagne view",
    "sunny loft",
    "quiet montagne chalet",
    "rue montvermont corner",
    "quiet sunny",
    "quiet rue montvermont",
    "garden",
    "quiet montagne",
    "rue belmar",
];

async fn catalogue(t: &TestDb) -> (UserId, Vec<Property>) {
    let owner = register(&t.db, "owner@example.com").await.id;
    let mut created = Vec::new();
    for (index, description) in DESCRIPTIONS.iter().enumerate() {
        created.push(
            create(&t.db, described(owner, &format!("Lot {index}"), description, index as i64 / 2)).await,
        );
    }
    (owner, created)
}

fn described(owner: UserId, name: &str, description: &str, minute: i64) -> realty_domain::NewProperty {
    let mut new = new_property(owner, name, "Lyon", "house", Vec::new());
    new.description = Description::parse(description).expect("a valid description");
    new.at = at(minute);
    new
}

/// Whether every word of `typed` starts a word of `property`'s name or
/// description (all lower-case ASCII here, so unchanged by folding).
fn matches(property: &Property, typed: &str) -> bool {
    let text = format!("{} {}", property.name.as_str(), property.description.as_str()).to_lowercase();
    typed.split(' ').all(|word| text.split(' ').any(|stored| stored.starts_with(word)))
}

/// The ids of `properties` that match `typed`, in the total order of
/// `sort` (creation instant, then id).
fn expected(properties: &[Property], typed: &str, sort: Sort) -> Vec<PropertyId> {
    let mut found: Vec<&Property> = properties.iter().filter(|property| matches(property, typed)).collect();
    found.sort_by_key(|property| (property.created_at, property.id));
    if sort.descending {
        found.reverse();
    }
    found.iter().map(|property| property.id).collect()
}

/// Properties matching "mont" created between pages, landing before,
/// among and after the pages already read.
struct Newcomers {
    owner: UserId,
    inserted: usize,
}

impl Newcomers {
    async fn insert(&mut self, t: &TestDb) {
        self.inserted += 1;
        let minute = [7, 3, -1][self.inserted % 3];
        let name = format!("Newcomer {}", self.inserted);
        create(&t.db, described(self.owner, &name, "rue montvermont", minute)).await;
    }
}

/// Walks the pages of `typed` in `sort`, `limit` at a time, with a
/// newcomer created after each page when given some; the ids in page order.
async fn walk(
    db: &Database,
    typed: &str,
    sort: Sort,
    limit: u32,
    mut newcomers: Option<(&TestDb, &mut Newcomers)>,
) -> Vec<PropertyId> {
    let mut filter = PropertyQuery { words: words(typed), sort, ..query(limit) };
    let mut seen = Vec::new();
    for _ in 0..50 {
        let page = PropertyRepository::list(db, &filter).await.expect("the list runs");
        assert!(page.items.len() <= limit as usize, "{typed:?}: at most {limit} a page");
        seen.extend(ids(&page));
        if !page.more {
            return seen;
        }
        let last = page.items.last().expect("a page followed by another is not empty");
        filter.after = Some(Keyset::of(last, SortKey::CreatedAt));
        if let Some((t, newcomers)) = newcomers.as_mut() {
            newcomers.insert(t).await;
        }
    }
    panic!("{typed:?}: the walk ends within 50 pages");
}

/// The first property of a page of `typed`.
async fn first(db: &Database, typed: &str) -> Option<PropertyId> {
    let filter = PropertyQuery { words: words(typed), ..query(1) };
    let page = PropertyRepository::list(db, &filter).await.expect("the list runs");
    page.items.first().map(|property| property.id)
}

/// How many statements a page of `typed` (in `city` if given) costs.
async fn cost(db: &Database, typed: &str, city: Option<&str>) -> u64 {
    let cities = city.into_iter().map(|raw| CityKey::parse_filter(raw).expect("a city filter")).collect();
    let filter = PropertyQuery { words: words(typed), cities, ..query(10) };
    let before = db.query_count();
    PropertyRepository::list(db, &filter).await.expect("the list runs");
    db.query_count() - before
}

async fn both_ways_find_every_match_once_in_the_order_of_creation(t: TestDb) {
    let (_, properties) = catalogue(&t).await;
    let typed =
        ["mont", "montv", "montvermont quiet", "quiet mont", "quiet", "rue mont view", "belmar", "zzz"];

    for (way, db) in both_ways(&t.db) {
        for sort in ["-created_at", "created_at"].map(|name| Sort::parse(name).expect("a sort")) {
            for typed in typed {
                let want = expected(&properties, typed, sort);
                for limit in [2, 100] {
                    let seen = walk(&db, typed, sort, limit, None).await;

                    assert_eq!(seen, want, "{way}: {typed:?} by {}, pages of {limit}", sort.as_str());
                }
            }
        }
    }
    let mont = expected(&properties, "mont", Sort::default());
    assert!(
        mont.len() >= 6 && mont.contains(&properties[3].id),
        "the data matches a prefix twice in one property"
    );
}

async fn both_ways_page_through_words_while_properties_are_created(t: TestDb) {
    let (owner, properties) = catalogue(&t).await;
    let originals: HashSet<PropertyId> =
        properties.iter().filter(|property| matches(property, "mont")).map(|property| property.id).collect();
    let mut newcomers = Newcomers { owner, inserted: 0 };

    for (way, db) in both_ways(&t.db) {
        let seen = walk(&db, "mont", Sort::default(), 2, Some((&t, &mut newcomers))).await;

        let distinct: HashSet<PropertyId> = seen.iter().copied().collect();
        assert_eq!(distinct.len(), seen.len(), "{way}: no property is seen twice");
        assert!(originals.is_subset(&distinct), "{way}: every property there all along is seen");
    }
    assert!(newcomers.inserted >= 4, "properties were created between pages ({})", newcomers.inserted);
}

async fn a_rare_word_starts_the_page_and_a_common_one_leaves_it_to_the_walk(t: TestDb) {
    let (_, properties) = catalogue(&t).await;
    // Only the word index is told that the newest "montvermont" and the
    // newest "quiet" property (8 and 10) are the oldest: the way that reads
    // the order of creation from there leaves them off the first page.
    for sabotaged in [&properties[8], &properties[10]] {
        let id = sabotaged.id;
        t.execute(&format!(
            "UPDATE property_words SET created_at = '2000-01-01 00:00:00' WHERE property_id = {id}"
        ))
        .await;
    }
    // "montvermont" has 4 entries (0, 3, 6, 8), "quiet" 7.
    let db = t.db.clone().with_rare_word_matches(5);

    assert_eq!(first(&db, "montvermont").await, Some(properties[6].id), "a rare word: its entries' order");
    assert_eq!(first(&db, "quiet montvermont").await, Some(properties[3].id), "any rare word of the query");
    assert_eq!(
        first(&db, "quiet").await,
        Some(properties[10].id),
        "a common word alone: the walk, the rows' order"
    );
}

async fn whether_a_word_is_rare_is_asked_once_then_remembered(t: TestDb) {
    catalogue(&t).await;
    let db = t.db.clone().with_rare_word_matches(5);

    assert_eq!(
        cost(&db, "montvermont", None).await,
        3,
        "a rare word first asked: how many entries, which words, then the page"
    );
    assert_eq!(cost(&db, "montvermont", None).await, 1, "then the page alone");
    assert_eq!(cost(&db, "quiet garden", None).await, 4, "a common word (one question), a rare one (two)");
    assert_eq!(cost(&db, "quiet garden", None).await, 1, "both remembered");
    assert_eq!(cost(&db, "sunny", Some("Lyon")).await, 1, "another filter: the walk, no question");
}

async fn a_word_that_has_grown_another_since_it_was_asked_about_still_finds_every_match(t: TestDb) {
    let (owner, _) = catalogue(&t).await;
    let db = t.db.clone().with_rare_word_matches(5);
    let before = walk(&db, "montvermont", Sort::default(), 100, None).await;
    assert_eq!(before.len(), 4, "one stored word, remembered as such");

    let grown = create(&t.db, described(owner, "Lot grown", "rue montvermontoise", 9)).await;

    let after = walk(&db, "montvermont", Sort::default(), 100, None).await;
    assert_eq!(after.first(), Some(&grown.id), "the newest match, under a longer word, comes first");
    assert_eq!(after[1..], before[..], "then the others");
    assert_eq!(
        cost(&db, "montvermont", None).await,
        2,
        "the page of one word finds another word in the range, and reads the prefix's entries"
    );
}

async fn known_words_page_alike_through_the_statement_planned_once(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await.id;
    let mut properties = Vec::new();
    for index in 0..25 {
        let description = if index % 4 == 0 { "sunny park view" } else { "sunny loft" };
        let new = described(owner, &format!("Lot {index}"), description, i64::from(index) / 3);
        properties.push(create(&t.db, new).await);
    }
    // Once its words are known (common, or the first rare one of one
    // stored word, the others probed), a page at a size it is cached for (10) is the
    // statement planned once; the first page of words not asked about yet
    // is planned for them.
    for (way, db) in both_ways(&t.db) {
        for sort in ["-created_at", "created_at"].map(|name| Sort::parse(name).expect("a sort")) {
            for typed in ["sunny", "sunny park", "view sunny park", "loft", "park loft"] {
                let want = expected(&properties, typed, sort);
                for round in ["first asked", "known"] {
                    let seen = walk(&db, typed, sort, 10, None).await;

                    assert_eq!(seen, want, "{way}, {round}: {typed:?} by {}", sort.as_str());
                }
            }
        }
        assert_eq!(cost(&db, "sunny park", None).await, 1, "{way}: a page of known words is one statement");
    }
    assert_eq!(expected(&properties, "sunny", Sort::default()).len(), 25, "pages of 10 need a keyset");

    // It is one statement planned once: cached by the connection that
    // first runs it (one connection here) once its words are known, and
    // reused after. The first ask caches the statements that ask how rare
    // each word is; the three share the connection, so those are cached
    // once. A rare prefix of several stored words is planned for its words
    // each time ("lo": "loft" and "lot", of the names).
    let one = t.connect_with(PoolOptions { max_size: 1, ..PoolOptions::default() }).await;
    let [(rare, from_entries), (common, by_walk)] = both_ways(&one);
    let cases = [
        (rare, &from_entries, "sunny park", [2, 1, 0]),
        (rare, &from_entries, "sunny", [1, 0, 0]),
        (rare, &from_entries, "lo sunny", [0, 0, 0]),
        (common, &by_walk, "sunny park", [0, 1, 0]),
    ];
    for (way, db, typed, want) in cases {
        let filter = PropertyQuery { words: words(typed), ..query(20) };
        let mut cached = Vec::new();
        for _ in 0..3 {
            let before = db.cached_statement_count();
            PropertyRepository::list(db, &filter).await.expect("the list runs");
            cached.push(db.cached_statement_count() - before);
        }
        assert_eq!(cached, want, "{way}, {typed:?}: statements cached on each ask ({cached:?})");
    }
}
