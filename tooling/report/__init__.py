"""The owners' dashboard (``policy report``): what people ask, what the policy leaves open, and
whether answering once cut repeat questions."""
