// @peculiar/x509 loads tsyringe, which needs the Reflect metadata polyfill first.
import 'reflect-metadata';
