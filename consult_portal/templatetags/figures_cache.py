"""`{% figures_cache "name" part … %}…{% endfigures_cache %}`: a part of a page kept in the cache until a write changes
the rows it shows (consult_portal.cache_versions: the data version, today and the language are in the key, with the
name and the parts given).

The parts must name everything else the part depends on (the user, the query string). Never around a CSRF token
or the messages. Where the cache is off (FIGURES_CACHE) or this connection has uncommitted writes, the part is
rendered as if the tag were not there.
"""

from django import template
from django.utils.safestring import mark_safe

from consult_portal import cache_versions

register = template.Library()


class FiguresCacheNode(template.Node):
    def __init__(self, nodelist, name, parts):
        self.nodelist = nodelist
        self.name = name
        self.parts = parts

    def render(self, context):
        parts = [part.resolve(context) for part in self.parts]
        key = cache_versions.key("fragment:" + str(self.name.resolve(context)), *parts)
        if key is None:
            return self.nodelist.render(context)
        html = cache_versions.get(key)
        if html is None:
            html = str(self.nodelist.render(context))
            cache_versions.put(key, html)
        return mark_safe(html)  # noqa: S308 - what the template rendered, escaped as it was then


@register.tag("figures_cache")
def figures_cache(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError('figures_cache needs a name: {% figures_cache "name" part … %}')
    nodelist = parser.parse(("endfigures_cache",))
    parser.delete_first_token()
    return FiguresCacheNode(nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(b) for b in bits[2:]])
