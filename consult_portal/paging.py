from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import SimpleLazyObject, cached_property


class DeepPaginator(Paginator):
    """A paginator whose deep pages read only the ids they skip (issue #17).

    OFFSET 50,000 on the rows themselves makes the database read and discard 50,000 whole rows; from `deep` rows
    on, the page first takes its ids with the list's ordering (OFFSET on an index that holds the ordering's columns
    and the id, read without the table: topics' (created_at, id) and (town, created_at, id)), then its rows by those
    ids, one more query.
    """

    deep = 500

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if bottom < self.deep or not isinstance(self.object_list, QuerySet):
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids)}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


class CappedPaginator(DeepPaginator):
    """A paginator that stops counting at `cap`, or with `ahead`, `ahead` pages past the page asked for.

    Counting every match of a free-text search reads the whole table; past the cap the list says
    "cap+" and asks for a narrower search instead. A search for a two-character Chinese word cannot use the trigram
    indexes, so each match counted costs a row read: with `ahead`, page 1 counts to the end of page 1 + ahead and
    offers those pages, page 2 one page further, and so on up to `cap`.
    """

    def __init__(self, object_list, per_page, cap: int = 1000, ahead: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap
        self.ahead = ahead
        self.capped = False

    def get_page(self, number):
        if self.ahead is not None:
            try:
                asked = max(int(number), 1)
            except (TypeError, ValueError):
                asked = 1
            self.cap = min(self.cap, (asked + self.ahead) * self.per_page)
        return super().get_page(number)

    @cached_property
    def count(self):
        found = self.object_list[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)


def lazy_page(paginator: Paginator, number, each=None) -> SimpleLazyObject:
    """paginator.get_page(number), asked only when the template reads it: a list whose rows are kept rendered
    (`{% figures_cache %}`) then counts and reads nothing at all. `each(row)`, when given, is called on every row of
    the page once it is read."""

    def page():
        found = paginator.get_page(number)
        if each is not None:
            for row in found.object_list:
                each(row)
        return found

    return SimpleLazyObject(page)
