import type { ContactAction } from '../actions';

/** What a console header button asks for (S7.1-S7.6); the pane runs it through `ActionsApi`. */
export type ConsoleAction = ContactAction;

/** How a contact detail is edited in the drawer (S8.1), from its custom field type. */
export type FieldKind = 'text' | 'email' | 'tel' | 'url' | 'number' | 'date' | 'time' | 'checkbox' | 'select';
