// The mail transport: SMTP submission (nodemailer), collection by POP3 (node-pop3) or IMAP (imapflow).
export {
  createMailTransport,
  DEFAULT_MAIL_MAX_MESSAGE_BYTES,
  type ImapOptions,
  type MailServerOptions,
  type MailTransportOptions,
  MailTransport,
  type Pop3Options,
  type SmtpOptions,
} from './mail.transport.js';
export {
  base64MailBytes,
  type ComposeMailOptions,
  composeMail,
  mailboxOf,
  maxMailBytes,
  type ParseMailOptions,
  parseMail,
} from './mime.js';
