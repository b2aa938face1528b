"""``policy serve``: the question service the site, forms and chat robots post to."""
