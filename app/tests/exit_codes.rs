//! Every command's exit code follows the README: 0 done; 1 refused or bad input (nothing
//! written); 2 usage; 3 refused by a policy rule. One bad request of each kind per command.

#![allow(clippy::unwrap_used)]

use custody_tests::Desk;

/// The binary under test, as Cargo built it for these tests.
const CUSTODY: &str = env!("CARGO_BIN_EXE_custody");

#[test]
fn each_command_exits_as_the_readme_says() {
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&[
        "item",
        "add",
        "RM-0001",
        "--kind",
        "removable-media",
        "--name",
        "USB stick",
    ]);
    desk.ok(&["person", "add", "S003", "--name", "Left Already"]);
    desk.ok(&["person", "deactivate", "S003"]);
    desk.ok(&["out", "LT-0001", "--to", "S001"]);
    let dir = desk.dir.path();
    let junk = dir.join("junk.csv");
    std::fs::write(&junk, "this,is\nnot,\"closed").unwrap();
    let existing = dir.join("existing.pdf");
    std::fs::write(&existing, "x").unwrap();
    let junk = junk.to_str().unwrap();
    let existing = existing.to_str().unwrap();
    let before = custody_tests::dump(&desk.db);

    let cases: &[(&[&str], i32)] = &[
        (&["init"], 1),       // the file exists
        (&["demo"], 1),       // it is not empty
        (&["frobnicate"], 2), // no such command
        (&["item", "add", "LT-0001", "--kind", "laptop", "--name", "Again"], 1),
        (&["item", "add", "LT-0009", "--kind", "spaceship", "--name", "X"], 1),
        (&["item", "add", "LT-0009", "--name", "X"], 2), // --kind missing
        (&["item", "list", "--format", "xml"], 2),
        (&["item", "show", "LT-9999"], 1),
        (&["item", "chain", "LT-0001"], 2), // -o missing
        (&["item", "set", "LT-9999", "--name", "X"], 1),
        (&["item", "set", "LT-0002", "--encrypted", "maybe"], 1),
        (&["person", "add", "S001", "--name", "Again"], 1),
        (&["person", "show", "S999"], 1),
        (&["person", "set", "S001", "--training", "2026-13-01"], 1),
        (&["person", "set", "S001", "--training", "soon"], 1),
        (&["person", "deactivate", "S999"], 1),
        (&["container", "add", "BAG-1", "--kind", "trunk", "--name", "X"], 1),
        (&["container", "set", "BAG-9", "--name", "X"], 1),
        (&["out", "LT-0002", "--to", "S003"], 3), // R8: they have left
        (&["out", "RM-0001", "--to", "S001"], 3), // R2
        (&["out", "LT-0001", "--to", "S002"], 3), // R8: already out
        (&["out", "LT-9999", "--to", "S001"], 1),
        (&["out", "LT-0002"], 2), // --to missing
        (&["out", "LT-0002", "--to", "S001", "--due", "yesterday"], 1),
        (&["in", "LT-9999"], 1),
        // Moves the item's state does not allow are bad input, not a policy rule's refusal.
        (&["in", "LT-0002"], 1),                       // not out
        (&["transfer", "LT-0002", "--to", "S002"], 1), // not out
        (&["lost", "LT-9999"], 1),
        (&["found", "LT-0002"], 1),  // not lost
        (&["retire", "LT-0001"], 1), // it is out
        (&["correct", "not-an-id", "--reason", "x"], 1),
        (&["status", "--format", "xml"], 2),
        (&["history"], 2), // --item or --person
        (
            &[
                "history",
                "--item",
                "LT-0001",
                "--from",
                "2026-11-20",
                "--to",
                "2026-11-01",
            ],
            1,
        ),
        (&["report", "overdue", "--format", "pdf"], 2), // -o missing
        (&["report", "overdue", "--as-of", "the day after"], 1),
        (&["exposure", "--holder", "S999", "--at", "now"], 1),
        (&["exposure", "--holder", "S001"], 2), // --at or --from
        (&["incident", "new", "--kind", "theft", "--holder", "S001"], 2),
        (
            &[
                "incident",
                "new",
                "--kind",
                "flood",
                "--holder",
                "S001",
                "--at",
                "now",
                "--description",
                "x",
            ],
            1,
        ),
        (&["incident", "show", "INC-2026-0099"], 1),
        (
            &["incident", "note", "INC-2026-0099", "--kind", "note", "--text", "x"],
            1,
        ),
        (&["incident", "pack", "INC-2026-0099"], 2),
        (&["settings", "set", "R9", "block"], 1),
        (&["settings", "set", "R8", "warn"], 1),
        (&["settings", "stages", "14", "7", "1"], 1),
        (&["settings", "nation", "wales-only"], 1),
        (&["settings", "idle-lock", "0"], 1),
        (&["operator", "add", "office", "--name", "Again", "--role", "admin"], 1),
        (&["operator", "add", "x", "--name", "X", "--role", "boss"], 1),
        (&["operator", "add", "x", "--name", "X"], 2), // --role missing
        (&["operator", "set-role", "nobody", "dpo"], 1),
        (&["operator", "set-role", "office", "operator"], 1), // the last administrator
        (&["operator", "disable", "office"], 1),              // the last administrator
        (&["operator", "unlock", "nobody"], 1),
        (&["import", "items", junk], 1),
        (&["import", "people", "/no/such/file.csv"], 1),
        (&["export", "nothing", existing], 2), // items, people or events
        (&["backup", "-o", existing], 1),      // never overwrites
        (&["restore", junk], 1),
        (&["labels", "LT-9999", "--template", "L7160", "-o", "x.pdf"], 1),
        (&["labels", "LT-0001"], 2), // -o missing
        (&["scan", "/no/such/picture.png"], 1),
    ];
    let mut wrong = Vec::new();
    for (args, code) in cases {
        let run = desk.run(args);
        if run.code != *code {
            wrong.push(format!(
                "custody {}: exit {} (expected {code}): {}",
                args.join(" "),
                run.code,
                run.stderr.trim()
            ));
        } else if *code != 0 && run.stderr.trim().is_empty() && run.stdout.trim().is_empty() {
            // (`scan` says what it could not read on its own line of output, by design.)
            wrong.push(format!("custody {}: exit {code} without a word said", args.join(" ")));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
    assert_eq!(custody_tests::dump(&desk.db), before, "no refusal wrote anything");
}
