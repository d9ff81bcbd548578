//! The domain list view: the table, its filter and sort, and the detail pane's tabs.

pub mod detail;
pub mod list_view;
pub mod table;
pub mod view;
pub mod xml_summary;
pub mod xml_tab;
