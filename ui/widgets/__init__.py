"""Small shared widgets: icons, inline banners, cards, page scaffolding, colour swatches."""
