"""The import and export API under /api/v1/."""
