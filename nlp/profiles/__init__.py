"""Customer profiles (客户画像): facts the caller states about themself, with the sentence that says so.

Read from the customer's own words and from agent turns that address the caller (好的刘先生, 您名下有一份…),
never from what either side says about a third person: a cue in a clause whose subject is 他/我老公/孩子 is
skipped. Patterns are generic Mandarin; the lexicons live in configs/profile_patterns.toml, and cities come
from a maintained gazetteer (nlp/places.py, cpca's division table). Text in, facts out: no DuckDB here.

One module a field or two, named for what it reads (person: gender; age; city; work: occupation, income;
family: marital status, children; policies; contact: contact time; needs; answers: short answers to the
agent's questions), over what they share (reader, sound); facts runs them and merges; step is the step's compute.

Masked input: the warehouse text has names as [姓名] (titles kept: "[姓名]先生") and ID/birth dates masked.
Gender still comes from the title. Age from an ID card or a spoken birth date comes from the age the text
path read before masking (utterances.stated_age, callintel/ages.py): only the age, never the date, and only
when the turn's words make it the caller's. Text still holding the digits is read directly.

Merging across calls (`merge_facts`): per caller and field the newest call wins; a different value from
an older call is kept as a conflict with its own call and sentence, so nothing is silently overwritten.
"""

from callintel.nlp.profiles.facts import MergedFact, extract, merge_facts
from callintel.nlp.profiles.reader import (
    FIELDS,
    Fact,
    ProfileLexicon,
    ProfileReader,
    clause_at,
    clause_prefix,
    cn_amount,
    cn_number,
    cut,
    in_dictionary,
    lexicon_from_settings,
    load_lexicon,
    text_clauses,
)
from callintel.nlp.profiles.step import CallFacts, ProfileCall, ProfileInputs, ProfileResult, compute

__all__ = ["FIELDS", "CallFacts", "Fact", "MergedFact", "ProfileCall", "ProfileInputs", "ProfileLexicon",
           "ProfileReader", "ProfileResult", "clause_at", "clause_prefix", "cn_amount", "cn_number", "compute", "cut",
           "extract", "in_dictionary", "lexicon_from_settings", "load_lexicon", "merge_facts", "text_clauses"]
