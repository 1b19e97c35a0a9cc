"""{% field %} and {% form_errors %} give what the shared partials give, and reuse the HTML of unbound fields only."""

from __future__ import annotations

from django import forms
from django.template import Context, Template
from django.utils import translation

from jalon.core.templatetags import jalon_forms


class _Form(forms.Form):
    kind = forms.ChoiceField(label="Parcours", choices=[("lung", "Poumon"), ("breast", "Sein")])
    note = forms.CharField(label="Note", required=False, help_text="Court.", widget=forms.Textarea(attrs={"rows": 2}))
    done = forms.BooleanField(label="Fait", required=False)
    choice = forms.TypedChoiceField(label="Document", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = [("", "— Aucun —")] + [(str(pk), name) for pk, name in documents]


def _render(source: str, form) -> str:
    return Template("{% load jalon_forms %}" + source).render(Context({"form": form}))


def _both(form, name: str) -> tuple[str, str]:
    cached = _render("{% field form." + name + " %}", form)
    included = _render('{% include "includes/field.html" with field=form.' + name + " %}", form)
    return cached, included


def test_an_unbound_field_is_the_partial_and_is_rendered_once():
    jalon_forms._HTML.clear()
    with translation.override("fr"):
        form = _Form(prefix="accept", initial={"kind": "breast"})
        for name in ("kind", "note", "done", "choice"):
            cached, included = _both(form, name)
            assert cached == included
        assert 'value="breast" selected' in _render("{% field form.kind %}", form)
        assert len(jalon_forms._HTML) == 4
        _render("{% field form.kind %}", _Form(prefix="accept", initial={"kind": "breast"}))
        assert len(jalon_forms._HTML) == 4  # the same field showing the same: the HTML is reused


def test_what_the_field_shows_is_part_of_the_key():
    jalon_forms._HTML.clear()
    with translation.override("fr"):
        lung = _render("{% field form.kind %}", _Form(prefix="accept", initial={"kind": "lung"}))
        breast = _render("{% field form.kind %}", _Form(prefix="accept", initial={"kind": "breast"}))
        other_prefix = _render("{% field form.kind %}", _Form(prefix="other", initial={"kind": "lung"}))
        one_document = _render("{% field form.choice %}", _Form(documents=[(1, "scanner.pdf")]))
        two_documents = _render("{% field form.choice %}", _Form(documents=[(1, "scanner.pdf"), (2, "irm.pdf")]))
    assert 'value="lung" selected' in lung and 'value="breast" selected' in breast
    assert 'name="other-kind"' in other_prefix
    assert "irm.pdf" not in one_document and "irm.pdf" in two_documents


def test_a_bound_form_shows_what_was_typed_and_its_errors_never_from_the_cache():
    jalon_forms._HTML.clear()
    with translation.override("fr"):
        form = _Form({"kind": "nope", "note": "mon texte"})
        form.is_valid()
        for name in ("kind", "note"):
            cached, included = _both(form, name)
            assert cached == included
        assert "mon texte" in _render("{% field form.note %}", form)
        errors = _render("{% form_errors form %}", form)
        assert errors == _render('{% include "includes/form_errors.html" with form=form %}', form)
        assert "erreur" in errors
    assert jalon_forms._HTML == {}


def test_form_errors_of_an_unbound_form_is_the_partial():
    with translation.override("fr"):
        form = _Form()
        assert _render("{% form_errors form %}", form) == _render(
            '{% include "includes/form_errors.html" with form=form %}', form
        )
        assert "astérisque" in _render("{% form_errors form %}", form)


def test_forms_that_differ_by_prefix_share_the_html_each_with_its_own_names():
    """The pathway page's record form of each step (`record-<id>`): one rendering, each its own names and ids."""
    jalon_forms._HTML.clear()
    with translation.override("fr"):
        for prefix in ("record-12", "record-13", 'a"b'):
            form = _Form(prefix=prefix, initial={"kind": "lung"})
            for name in ("kind", "note", "done"):
                cached, included = _both(form, name)
                assert cached == included
        assert 'name="record-13-kind"' in _render("{% field form.kind %}", _Form(prefix="record-13"))
    assert len(jalon_forms._HTML) == 4  # kind (lung, then no initial), note, done: whatever the prefix
