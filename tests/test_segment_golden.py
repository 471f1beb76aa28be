"""The English "golden rules" of sentence boundary detection, and the hard cases of real news
that issue 16 lists.

pysbd does not ship its golden-rule tests, so the table below is written from the Pragmatic
Segmenter's English golden rules: 48 of them, leaving out the ones written across line breaks
(a unit never crosses one: the contract of segment). On this table pysbd itself passes 47;
issue 16 asks for at least 47 too, scored as a whole."""

from __future__ import annotations

import pytest

from annotator.segment import segment

GOLDEN = [
    ("Hello World. My name is Jonas.", ["Hello World.", "My name is Jonas."]),
    ("What is your name? My name is Jonas.", ["What is your name?", "My name is Jonas."]),
    ("There it is! I found it.", ["There it is!", "I found it."]),
    ("My name is Jonas E. Smith.", ["My name is Jonas E. Smith."]),
    ("Please turn to p. 55.", ["Please turn to p. 55."]),
    ("Were Jane and co. at the party?", ["Were Jane and co. at the party?"]),
    ("They closed the deal with Pitt, Briggs & Co. at noon.",
     ["They closed the deal with Pitt, Briggs & Co. at noon."]),
    ("Let's ask Jane and co. They should know.", ["Let's ask Jane and co.", "They should know."]),
    ("They closed the deal with Pitt, Briggs & Co. It closed yesterday.",
     ["They closed the deal with Pitt, Briggs & Co.", "It closed yesterday."]),
    ("I can see Mt. Fuji from here.", ["I can see Mt. Fuji from here."]),
    ("St. Michael's Church is on 5th st. near the light.", ["St. Michael's Church is on 5th st. near the light."]),
    ("That is JFK Jr.'s book.", ["That is JFK Jr.'s book."]),
    ("I visited the U.S.A. last year.", ["I visited the U.S.A. last year."]),
    ("I live in the E.U. How about you?", ["I live in the E.U.", "How about you?"]),
    ("I live in the U.S. How about you?", ["I live in the U.S.", "How about you?"]),
    ("I work for the U.S. Government in Virginia.", ["I work for the U.S. Government in Virginia."]),
    ("I have lived in the U.S. for 20 years.", ["I have lived in the U.S. for 20 years."]),
    ("At 5 a.m. Mr. Smith went to the bank. He left the bank at 6 P.M. Mr. Smith then went to the store.",
     ["At 5 a.m. Mr. Smith went to the bank.", "He left the bank at 6 P.M.", "Mr. Smith then went to the store."]),
    ("She has $100.00 in her bag.", ["She has $100.00 in her bag."]),
    ("She has $100.00. It is in her bag.", ["She has $100.00.", "It is in her bag."]),
    ("He teaches science (He previously worked for 5 years as an engineer.) at the local University.",
     ["He teaches science (He previously worked for 5 years as an engineer.) at the local University."]),
    ("Her email is Jane.Doe@example.com. I sent her an email.",
     ["Her email is Jane.Doe@example.com.", "I sent her an email."]),
    ("The site is: https://www.example.50.com/new-site/awesome_content.html. Please check it out.",
     ["The site is: https://www.example.50.com/new-site/awesome_content.html.", "Please check it out."]),
    ("She turned to him, 'This is great.' she said.", ["She turned to him, 'This is great.' she said."]),
    ('She turned to him, "This is great." she said.', ['She turned to him, "This is great." she said.']),
    ('She turned to him, "This is great." She held the book out to show him.',
     ['She turned to him, "This is great."', "She held the book out to show him."]),
    ("Hello!! Long time no see.", ["Hello!!", "Long time no see."]),
    ("Hello?? Who is there?", ["Hello??", "Who is there?"]),
    ("Hello!? Is that you?", ["Hello!?", "Is that you?"]),
    ("Hello?! Is that you?", ["Hello?!", "Is that you?"]),
    ("1.) The first item 2.) The second item", ["1.) The first item", "2.) The second item"]),
    ("1.) The first item. 2.) The second item.", ["1.) The first item.", "2.) The second item."]),
    ("1) The first item 2) The second item", ["1) The first item", "2) The second item"]),
    ("1) The first item. 2) The second item.", ["1) The first item.", "2) The second item."]),
    ("1. The first item 2. The second item", ["1. The first item", "2. The second item"]),
    ("1. The first item. 2. The second item.", ["1. The first item.", "2. The second item."]),
    ("• 9. The first item • 10. The second item", ["• 9. The first item", "• 10. The second item"]),
    ("⁃9. The first item ⁃10. The second item", ["⁃9. The first item", "⁃10. The second item"]),
    ("a. The first item b. The second item c. The third list item",
     ["a. The first item", "b. The second item", "c. The third list item"]),
    ("You can find it at N°. 1026.253.553. That is where the treasure is.",
     ["You can find it at N°. 1026.253.553.", "That is where the treasure is."]),
    ("She works at Yahoo! in the accounting department.", ["She works at Yahoo! in the accounting department."]),
    ("We make a good team, you and I. Did you see Albert I. Jones yesterday?",
     ["We make a good team, you and I.", "Did you see Albert I. Jones yesterday?"]),
    ("Thoreau argues that by simplifying one’s life, “the laws of the universe will appear less complex. . . .”",
     ["Thoreau argues that by simplifying one’s life, “the laws of the universe will appear less complex. . . .”"]),
    ('"Bohr [...] used the analogy of parallel stairways [...]" (Smith 55).',
     ['"Bohr [...] used the analogy of parallel stairways [...]" (Smith 55).']),
    ("If words are left off at the end of a sentence, and that is all that is omitted, indicate the omission with "
     "ellipsis marks (preceded and followed by a space) and then indicate the end of the sentence with a "
     "period . . . . Next sentence.",
     ["If words are left off at the end of a sentence, and that is all that is omitted, indicate the omission with "
      "ellipsis marks (preceded and followed by a space) and then indicate the end of the sentence with a "
      "period . . . .",
      "Next sentence."]),
    ("I never meant that.... She left the store.", ["I never meant that....", "She left the store."]),
    ("I wasn’t really ... well, what I mean...see . . . what I'm saying, the thing is . . . I didn’t mean it.",
     ["I wasn’t really ... well, what I mean...see . . . what I'm saying, the thing is . . . I didn’t mean it."]),
    ("One further habit which was somewhat weakened . . . was that of combining words into self-invented compounds.",
     ["One further habit which was somewhat weakened . . . was that of combining words into self-invented "
      "compounds."]),
]


def _units(text: str) -> list[str]:
    return [u.text for u in segment(text)]


def test_there_are_48_golden_rules():
    assert len(GOLDEN) == 48


def test_golden_rules_at_least_47_of_48():
    failed = [(text, _units(text)) for text, expected in GOLDEN if _units(text) != expected]
    assert len(failed) <= 1, failed


@pytest.mark.parametrize(("text", "expected"), [
    # AP dateline: the place and state stay with the sentence they open
    ("NORTHFIELD, Mass. — Hundreds rallied on the town green on Saturday.",
     ["NORTHFIELD, Mass. — Hundreds rallied on the town green on Saturday."]),
    ("CEDAR GAP, Calif. (AP) — A fast-moving wildfire forced thousands to flee.",
     ["CEDAR GAP, Calif. (AP) — A fast-moving wildfire forced thousands to flee."]),
    ("Washington, D.C. The president signed the bill on Friday.",
     ["Washington, D.C.", "The president signed the bill on Friday."]),
    ("The crowd stood for Cal Ripken Jr. Fans cheered for ten minutes.",
     ["The crowd stood for Cal Ripken Jr.", "Fans cheered for ten minutes."]),
    ("The low was minus 6.6 degrees C. Seoul was colder still.",
     ["The low was minus 6.6 degrees C.", "Seoul was colder still."]),
    ('The blast shook the whole street..."It was horrific," said one witness.',
     ["The blast shook the whole street...", '"It was horrific," said one witness.']),
    # German and French quotation marks
    ("»Das Wasser stieg schneller als je zuvor«, sagte der Sprecher. Die Stadt räumte die Altstadt. "
     "»Wir hatten keine Wahl«, sagte der Bürgermeister.",
     ["»Das Wasser stieg schneller als je zuvor«, sagte der Sprecher.", "Die Stadt räumte die Altstadt.",
      "»Wir hatten keine Wahl«, sagte der Bürgermeister."]),
    ("« Nous ne pouvons plus travailler ainsi », a déclaré la syndicaliste. Le ministre a appelé au dialogue. "
     "« La porte reste ouverte », a-t-il dit.",
     ["« Nous ne pouvons plus travailler ainsi », a déclaré la syndicaliste.", "Le ministre a appelé au dialogue.",
      "« La porte reste ouverte », a-t-il dit."]),
])
def test_news_hard_cases(text, expected):
    assert _units(text) == expected
