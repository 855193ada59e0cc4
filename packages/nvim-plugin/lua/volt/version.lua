-- The plugin's version: it moves with the sidecar's (scripts/versions.mjs sets both), and
-- :checkhealth volt reports a sidecar of another version.
return '0.1.0'
